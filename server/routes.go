package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the one table of every route of the box, with who may call it.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// The box sits on a LAN with no proxy in front: the peer address is the
	// client, and X-Forwarded-For would let anyone dodge the rate limits.
	e.IPExtractor = echo.ExtractIPDirect()
	// Before routing: every path, known or not, meets the Host and Origin
	// policy first.
	e.Pre(s.hostPolicy)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic in handler", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
		return err
	}}))
	e.Use(s.countRequests)
	e.Use(s.requestLog())
	e.Use(securityHeaders)
	if len(s.opts.AllowedOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  s.opts.AllowedOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Terminal"},
			ExposeHeaders: []string{"X-Seq", "Retry-After", "X-Pair-Code", "X-Pair-Url", "X-Pair-Expires-At"},
			MaxAge:        600,
		}))
	}

	e.GET("/healthz", s.handleHealth)
	// Admin token, or any caller on the box itself (handleMetrics checks).
	e.GET("/metrics", s.handleMetrics)
	// The box's CA for devices to install (--tls): public, no token.
	e.GET("/ca.crt", s.handleCACert)
	e.GET("/ca.mobileconfig", s.handleCAProfile)
	e.GET("/ws", s.handleWS)
	for _, path := range []string{"/socket.io", "/socket.io/"} {
		e.GET(path, s.handleSocketIO)
		e.POST(path, s.handleSocketIO)
	}

	api := e.Group("/api")
	api.POST("/auth/login", s.handleLogin)
	api.GET("/auth/me", s.handleMe, s.allow(anyRole...))
	api.POST("/auth/refresh", s.handleRefresh, s.allow(staff...))
	// A PIN or a lock needs the terminal token in X-Terminal, not a bearer.
	api.POST("/auth/pin", s.handlePinLogin)
	api.POST("/auth/lock", s.handleTerminalLock)

	api.GET("/terminals", s.handleTerminalList, s.allow(adminOnly...))
	api.POST("/terminals", s.handleTerminalCreate, s.allow(adminOnly...))
	api.POST("/terminals/enroll", s.handleTerminalEnroll)
	api.GET("/terminals/:id", s.handleTerminalGet, s.allow(adminOnly...))
	api.DELETE("/terminals/:id", s.handleTerminalDelete, s.allow(adminOnly...))
	api.GET("/audit", s.handleAudit, s.allow(adminOnly...))

	api.GET("/users", s.handleUserList, s.allow(adminOnly...))
	api.POST("/users", s.handleUserCreate, s.allow(adminOnly...))
	api.PATCH("/users/:id", s.handleUserUpdate, s.allow(adminOnly...))
	api.DELETE("/users/:id", s.handleUserDelete, s.allow(adminOnly...))

	api.GET("/settings", s.handleSettingsGet, s.allow(anyRole...))
	api.PATCH("/settings", s.handleSettingsUpdate, s.allow(adminOnly...))

	api.GET("/system/status", s.handleSystemStatus, s.allow(adminOnly...))
	api.GET("/system/snapshots", s.handleSnapshots, s.allow(adminOnly...))
	api.POST("/system/restore", s.handleRestore, s.allow(adminOnly...))
	api.GET("/system/tls", s.handleTLSStatus, s.allow(adminOnly...))
	api.GET("/system/upgrade", s.handleUpgradeGet, s.allow(adminOnly...))
	api.POST("/system/upgrade", s.handleUpgradeUpload, s.allow(adminOnly...))

	api.GET("/menu", s.handleMenu, s.allow(anyRole...))
	api.POST("/menu/categories", s.handleCategoryCreate, s.allow(adminOnly...))
	api.PATCH("/menu/categories/:id", s.handleCategoryUpdate, s.allow(adminOnly...))
	api.DELETE("/menu/categories/:id", s.handleCategoryDelete, s.allow(adminOnly...))
	api.POST("/menu/items", s.handleItemCreate, s.allow(adminOnly...))
	api.PATCH("/menu/items/:id", s.handleItemUpdate, s.allow(adminOnly...))
	api.DELETE("/menu/items/:id", s.handleItemDelete, s.allow(adminOnly...))
	api.PATCH("/menu/items/:id/availability", s.handleItemAvailability, s.allow(kitchen...))
	api.PUT("/menu/items/:id/image", s.handleItemImagePut, s.allow(adminOnly...))
	api.DELETE("/menu/items/:id/image", s.handleItemImageDelete, s.allow(adminOnly...))
	api.GET("/menu/modifier-groups", s.handleModifierGroupList, s.allow(staff...))
	api.POST("/menu/modifier-groups", s.handleModifierGroupCreate, s.allow(adminOnly...))
	api.PATCH("/menu/modifier-groups/:id", s.handleModifierGroupUpdate, s.allow(adminOnly...))
	api.DELETE("/menu/modifier-groups/:id", s.handleModifierGroupDelete, s.allow(adminOnly...))
	api.PATCH("/menu/modifier-options/:id/availability", s.handleModifierOptionAvailability, s.allow(kitchen...))

	api.GET("/tables", s.handleTableList, s.allow(staff...))
	api.GET("/tables/:id", s.handleTableGet, s.allow(anyRole...))
	api.POST("/tables", s.handleTableCreate, s.allow(adminOnly...))
	api.PATCH("/tables/:id", s.handleTableUpdate, s.allow(adminOnly...))
	api.DELETE("/tables/:id", s.handleTableDelete, s.allow(adminOnly...))
	api.PATCH("/tables/:id/status", s.handleTableStatus, s.allow(floorStaff...))
	api.POST("/tables/:id/pair", s.handleTablePair, s.allow(floorStaff...))
	api.GET("/tables/:id/pair.svg", s.handleTablePairSVG, s.allow(floorStaff...))
	api.POST("/tables/:id/requests", s.handleTableRequest, s.allow(anyRole...))
	api.DELETE("/tables/:id/requests", s.handleTableRequestClear, s.allow(staff...))
	api.GET("/tables/:id/bill", s.handleBill, s.allow(anyRole...))
	api.POST("/tables/:id/discounts", s.handleDiscountCreate, s.allow(adminOnly...))
	api.DELETE("/tables/:id/discounts/:discount_id", s.handleDiscountDelete, s.allow(adminOnly...))
	api.POST("/tables/:id/merge", s.handleTableMerge, s.allow(floorStaff...))
	api.POST("/tables/:id/bill/print", s.handleBillPrint, s.allow(floorStaff...))
	api.POST("/pair", s.handlePair)

	api.POST("/orders", s.handleOrderCreate, s.allow(customerAndFloor...))
	api.GET("/orders", s.handleOrderList, s.allow(anyRole...))
	api.GET("/orders/:id", s.handleOrderGet, s.allow(anyRole...))
	api.PATCH("/orders/:id/status", s.handleOrderStatus, s.allow(anyRole...))
	api.PATCH("/orders/:id/items/:item_id", s.handleOrderItemDone, s.allow(kitchen...))
	api.POST("/orders/:id/cancel", s.handleOrderCancel, s.allow(customerAndFloor...))
	api.POST("/orders/:id/fire", s.handleOrderFire, s.allow(floorStaff...))
	api.POST("/orders/:id/move", s.handleOrderMove, s.allow(floorStaff...))
	api.POST("/orders/:id/items/:item_id/void", s.handleLineVoid, s.allow(floorStaff...))
	api.POST("/orders/:id/items/:item_id/comp", s.handleLineComp, s.allow(adminOnly...))
	api.POST("/orders/:id/tickets/print", s.handleTicketReprint, s.allow(staff...))

	api.POST("/payments", s.handlePaymentCreate, s.allow(floorStaff...))
	api.GET("/payments", s.handlePaymentList, s.allow(adminOnly...))
	api.GET("/reports/daily", s.handleDailyReport, s.allow(adminOnly...))

	api.GET("/printers", s.handlePrinterList, s.allow(adminOnly...))
	api.GET("/printers/status", s.handlePrinterStatus, s.allow(staff...))
	api.POST("/printers", s.handlePrinterCreate, s.allow(adminOnly...))
	api.PATCH("/printers/:id", s.handlePrinterUpdate, s.allow(adminOnly...))
	api.DELETE("/printers/:id", s.handlePrinterDelete, s.allow(adminOnly...))
	api.POST("/printers/:id/test", s.handlePrinterTest, s.allow(adminOnly...))

	e.GET("/", s.page("staff/index.html"))
	e.GET("/staff/*", s.static("staff"))
	e.GET("/kds", s.page("kds/index.html"))
	e.GET("/kds/*", s.kdsFiles)
	e.GET("/t", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/t/") })
	e.GET("/t/", s.page("t/index.html"))
	e.GET("/t/manifest.webmanifest", s.handleManifest)
	e.GET("/t/*", s.static("t"))
	e.GET("/lib/*", s.static("lib"))
	e.GET("/images/:name", s.handleImage)
	return e
}

// kdsFiles serves /kds/ as the page itself and everything below as files.
func (s *Server) kdsFiles(c echo.Context) error {
	if c.Param("*") == "" {
		return s.assets.serve(c, "kds/index.html")
	}
	return s.static("kds")(c)
}

// securityHeaders go on every response; pages add their CSP.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// requestLog logs one line per request with its status and duration; the
// health checks of monitors and the watchdog only at debug level.
func (s *Server) requestLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			// Each Socket.IO poll is a request; a line per poll would
			// bury the rest.
			if v.URI == "/healthz" || strings.HasPrefix(v.URI, "/socket.io") {
				level = slog.LevelDebug
			}
			s.log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method), slog.String("uri", v.URI), slog.Int("status", v.Status),
				slog.Duration("duration", v.Latency), slog.String("remote", v.RemoteIP))
			return nil
		},
	})
}
