package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rms/hub"
	"rms/store"
)

func (s *Server) handleUserList(c echo.Context) error {
	users, err := s.store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, users)
}

func (s *Server) handleUserCreate(c echo.Context) error {
	var in store.NewUser
	if err := bind(c, &in); err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) handleUserUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.UserPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	before, err := s.store.User(c.Request().Context(), id)
	if err != nil {
		return err
	}
	u, err := s.store.UpdateUser(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	// A new role may not join the rooms the old one did: its sockets close
	// and come back (signed in again) with the new role's rights. A new
	// token version (password reset, deactivation) ended the old tokens.
	if !u.Active || u.Role != before.Role || u.TokenVersion != before.TokenVersion {
		s.revokeUser(id)
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) handleUserDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteUser(c.Request().Context(), id); err != nil {
		return err
	}
	s.revokeUser(id)
	return c.NoContent(http.StatusNoContent)
}

// revokeUser closes the sockets of a deactivated, deleted or re-roled
// user; their REST calls already fail (or get the new role's rights)
// because every request checks the user.
func (s *Server) revokeUser(id int64) {
	s.hub.Disconnect(func(p hub.Peer) bool { return p.UserID == id && p.Role != store.RoleCustomer }, 4403, "user deactivated")
}

// revokeTable closes the sockets of a table's earlier customer tokens.
func (s *Server) revokeTable(id int64) {
	s.hub.Disconnect(func(p hub.Peer) bool { return p.Role == store.RoleCustomer && p.TableID == id }, 4403, "table paired again")
}
