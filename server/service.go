package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rms/store"
)

// The service flow: firing courses, voids and comps, discounts, moving
// orders and merging tables, and the audit log.

type fireRequest struct {
	Course *int64 `json:"course"`
}

func (s *Server) handleOrderFire(c echo.Context) error {
	var in fireRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Course == nil {
		return invalid("course", "is required")
	}
	if *in.Course < 1 || *in.Course > store.MaxCourses {
		return invalid("course", "must be between 1 and 9")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.store.FireCourse(c.Request().Context(), id, *in.Course)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

type voidRequest struct {
	Quantity *int64 `json:"quantity"`
	Reason   string `json:"reason"`
}

func (s *Server) handleLineVoid(c echo.Context) error {
	var in voidRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	line, err := pathID(c, "item_id")
	if err != nil {
		return err
	}
	var q int64
	if in.Quantity != nil {
		if *in.Quantity < 1 {
			return invalid("quantity", "must be at least 1")
		}
		q = *in.Quantity
	}
	o, err := s.store.VoidLine(c.Request().Context(), id, line, q, in.Reason, principal(c).Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleLineComp(c echo.Context) error {
	var in reasonRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	line, err := pathID(c, "item_id")
	if err != nil {
		return err
	}
	o, err := s.store.CompLine(c.Request().Context(), id, line, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) handleDiscountCreate(c echo.Context) error {
	var in store.NewDiscount
	if err := bind(c, &in); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.store.AddDiscount(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (s *Server) handleDiscountDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	did, err := pathID(c, "discount_id")
	if err != nil {
		return err
	}
	b, err := s.store.RemoveDiscount(c.Request().Context(), id, did)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

type moveRequest struct {
	TableID *int64 `json:"table_id"`
}

func (s *Server) handleOrderMove(c echo.Context) error {
	var in moveRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.TableID == nil || *in.TableID <= 0 {
		return invalid("table_id", "is required")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.store.MoveOrder(c.Request().Context(), id, *in.TableID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

type mergeRequest struct {
	IntoTableID *int64 `json:"into_table_id"`
}

func (s *Server) handleTableMerge(c echo.Context) error {
	var in mergeRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.IntoTableID == nil || *in.IntoTableID <= 0 {
		return invalid("into_table_id", "is required")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	orders, err := s.store.MergeTables(c.Request().Context(), id, *in.IntoTableID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"table_id": *in.IntoTableID, "orders": orders})
}

func (s *Server) handleAudit(c echo.Context) error {
	var f store.AuditFilter
	q := c.QueryParams()
	for _, b := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			// A bare date is a local day of the restaurant; as "to" it
			// means the end of that day.
			st, serr := s.store.Settings(c.Request().Context())
			if serr != nil {
				return serr
			}
			if t, err = time.ParseInLocation("2006-01-02", v, st.Location()); err != nil {
				return invalid(b.name, "must be an RFC 3339 time or a date as YYYY-MM-DD")
			}
			if b.end {
				t = t.AddDate(0, 0, 1)
			}
		}
		*b.dst = t
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"user_id", &f.UserID}, {"order_id", &f.OrderID}, {"before_id", &f.BeforeID}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return invalid(p.name, "must be an id")
		}
		*p.dst = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditRows {
			return invalid("limit", "must be between 1 and 5000")
		}
		f.Limit = n
	}
	rows, err := s.store.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	// Newest first: the next page holds what is older than the last entry.
	if len(rows) > 0 {
		limit := f.Limit
		if limit == 0 {
			limit = store.DefaultAuditRows
		}
		setNextPage(c, len(rows), limit, rows[len(rows)-1].ID)
	}
	return writeList(c, rows)
}
