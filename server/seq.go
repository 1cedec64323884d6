package server

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// setSeq tells a client which seq a list it loaded is current as of, so it
// can subscribe with since and miss nothing.
func setSeq(c echo.Context, seq int64) {
	c.Response().Header().Set("X-Seq", strconv.FormatInt(seq, 10))
}
