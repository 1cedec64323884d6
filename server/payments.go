package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rms/store"
)

func (s *Server) handleBill(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := ownTable(c, id); err != nil {
		return err
	}
	b, err := s.store.Bill(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) handlePaymentCreate(c echo.Context) error {
	var in store.NewPayment
	if err := bind(c, &in); err != nil {
		return err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	scope := "user:" + strconv.FormatInt(principal(c).UserID, 10) + "/payments"
	p, replayed, err := s.store.CreatePaymentOnce(c.Request().Context(), in, store.Idempotency{Scope: scope, Key: key})
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) handlePaymentList(c echo.Context) error {
	var from, to time.Time
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := c.QueryParam(q.name)
		if v == "" {
			continue
		}
		t, err := parseTimeOrDate(v)
		if err != nil {
			return invalid(q.name, "must be an RFC 3339 time or a date as YYYY-MM-DD")
		}
		*q.dst = t
	}
	limit, beforeID, err := pageParams(c)
	if err != nil {
		return err
	}
	payments, err := s.store.PaymentsPage(c.Request().Context(), from, to, limit, beforeID)
	if err != nil {
		return err
	}
	if len(payments) > 0 {
		setNextPage(c, len(payments), limit, payments[0].ID)
	}
	return writeList(c, payments)
}

// parseTimeOrDate takes an RFC 3339 time, or a date meaning its UTC
// midnight.
func parseTimeOrDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}

func (s *Server) handleDailyReport(c echo.Context) error {
	date := c.QueryParam("date")
	ctx := c.Request().Context()
	if date == "" {
		st, err := s.store.Settings(ctx)
		if err != nil {
			return err
		}
		date = s.now().In(st.Location()).Format("2006-01-02")
	}
	r, err := s.store.DailyReport(ctx, date)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
