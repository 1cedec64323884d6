package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleOrderCreate(c echo.Context) error {
	var in store.NewOrder
	if err := bind(c, &in); err != nil {
		return err
	}
	p := principal(c)
	if err := ownTable(c, in.TableID); err != nil {
		return err
	}
	ctx := c.Request().Context()
	scope := "user:" + strconv.FormatInt(p.UserID, 10)
	if p.Role == store.RoleCustomer {
		scope = "table:" + strconv.FormatInt(p.TableID, 10)
	}
	key := c.Request().Header.Get("Idempotency-Key")
	o, replayed, err := s.store.CreateOrder(ctx, in, p.Role, store.Idempotency{Scope: scope, Key: key})
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) handleOrderList(c echo.Context) error {
	var f store.OrderFilter
	q := c.QueryParams()
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			f.Statuses = append(f.Statuses, strings.TrimSpace(st))
		}
	}
	if v := q.Get("table_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return invalid("table_id", "must be a table id")
		}
		f.TableID = id
	}
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return invalid("active", "must be true or false")
		}
		f.Active = b
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return invalid("since", "must be an RFC 3339 time")
		}
		f.Since = t
	}
	var err error
	if f.Limit, f.BeforeID, err = pageParams(c); err != nil {
		return err
	}
	if p := principal(c); p.Role == store.RoleCustomer {
		if f.TableID != 0 && f.TableID != p.TableID {
			return forbidden("this table's iPad may only see its own table")
		}
		f.TableID = p.TableID
	}
	orders, seq, err := s.store.Orders(c.Request().Context(), f)
	if err != nil {
		return err
	}
	setSeq(c, seq)
	if len(orders) > 0 {
		setNextPage(c, len(orders), f.Limit, orders[0].ID)
	}
	return writeList(c, orders)
}

// loadOrder fetches the order of the :id path and checks that a customer
// asks only about its own table.
func (s *Server) loadOrder(c echo.Context) (store.Order, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return store.Order{}, err
	}
	o, err := s.store.Order(c.Request().Context(), id)
	if err != nil {
		return store.Order{}, err
	}
	return o, ownTable(c, o.TableID)
}

func (s *Server) handleOrderGet(c echo.Context) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) handleOrderStatus(c echo.Context) error {
	var in statusRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	p := principal(c)
	// A role that may never bring an order into the status is refused
	// before the order is looked at; a status nobody may move to (pending,
	// or paid, which only a payment sets) is the machine's 409.
	if reachable(in.Status) && !store.AnyRoleMayMoveTo(p.Role, in.Status) {
		return forbidden("a " + p.Role + " may not move an order to " + in.Status)
	}
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	o, err = s.store.SetOrderStatus(c.Request().Context(), o.ID, in.Status, p.Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// reachable tells whether some role may move an order into status by hand.
func reachable(status string) bool {
	for _, role := range anyRole {
		if store.AnyRoleMayMoveTo(role, status) {
			return true
		}
	}
	return false
}

type doneRequest struct {
	Done *bool `json:"done"`
}

func (s *Server) handleOrderItemDone(c echo.Context) error {
	var in doneRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Done == nil {
		return invalid("done", "is required")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	itemID, err := pathID(c, "item_id")
	if err != nil {
		return err
	}
	o, err := s.store.SetOrderItemDone(c.Request().Context(), id, itemID, *in.Done)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleOrderCancel(c echo.Context) error {
	var in cancelRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	o, err = s.store.CancelOrder(c.Request().Context(), o.ID, in.Reason, principal(c).Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}
