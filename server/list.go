package server

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Paging of the long lists (orders, payments): a page holds at most
// maxPage items, the newest first chosen and returned oldest first, and
// ?before_id= continues with older ones. A page that may have more says
// where in a Link header (rel="next").
const maxPage = 1000

// pageParams reads ?limit= (1 to maxPage; above is served as maxPage,
// absent is maxPage) and ?before_id=.
func pageParams(c echo.Context) (limit int, beforeID int64, err error) {
	limit = maxPage
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, invalid("limit", "must be a positive number")
		}
		limit = min(n, maxPage)
	}
	if v := c.QueryParam("before_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return 0, 0, invalid("before_id", "must be an id")
		}
		beforeID = id
	}
	return limit, beforeID, nil
}

// setNextPage adds the Link to the next (older) page when this one is full;
// oldestID is the first item's id.
func setNextPage(c echo.Context, n, limit int, oldestID int64) {
	if n < limit || n == 0 {
		return
	}
	q := c.Request().URL.Query()
	q.Set("before_id", strconv.FormatInt(oldestID, 10))
	q.Set("limit", strconv.Itoa(limit))
	u := url.URL{Path: c.Request().URL.Path, RawQuery: q.Encode()}
	c.Response().Header().Set("Link", "<"+u.String()+`>; rel="next"`)
}

// writeList answers a list as a JSON array written one item at a time
// through a small buffer: a long list is encoded as it leaves, never held
// in memory a second time as one big body.
func writeList[T any](c echo.Context, items []T) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	w.WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	bw.WriteByte('[')
	for i := range items {
		if i > 0 {
			bw.WriteByte(',')
		}
		if err := enc.Encode(items[i]); err != nil {
			return err
		}
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
