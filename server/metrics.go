package server

// The /metrics endpoint: Prometheus text format, built with the Prometheus
// client library (never by hand). Counters that other packages keep (the
// hub's, the store's print jobs, the database size) are read at scrape time
// by collector functions, so store and hub stay free of metrics code.

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rms/hub"
)

// metrics holds the box's registry and the instruments the server updates
// itself.
type metrics struct {
	reg         *prometheus.Registry
	conns       *prometheus.GaugeVec
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	batchWrites prometheus.Histogram
	commitTime  prometheus.Histogram
	handler     http.Handler
}

// newMetrics registers every metric of the box. A registry per server, not
// the global one, so that tests can run several servers in one process.
func (s *Server) newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rms_connections", Help: "Open realtime connections by endpoint (ws or socketio).",
		}, []string{"endpoint"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rms_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rms_http_request_duration_seconds", Help: "HTTP request duration by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		batchWrites: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "rms_store_commit_writes", Help: "Writes per database commit (group commit batch size).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "rms_store_commit_seconds", Help: "Database commit latency, fsync included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
	// The connection gauge shows both endpoints from the start, at zero.
	m.conns.WithLabelValues("ws")
	m.conns.WithLabelValues("socketio")
	hubStat := func(pick func(uint64, uint64, uint64) uint64) func() float64 {
		return func() float64 {
			st := s.hub.Stats()
			return float64(pick(st.Events, st.Deliveries, st.SlowCloses))
		}
	}
	reg.MustRegister(
		m.conns, m.requests, m.latency, m.batchWrites, m.commitTime,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rms_events_total", Help: "Events published to the realtime hub."},
			hubStat(func(e, _, _ uint64) uint64 { return e })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rms_event_deliveries_total", Help: "Event frames queued to realtime connections."},
			hubStat(func(_, d, _ uint64) uint64 { return d })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rms_slow_client_closes_total", Help: "Realtime connections closed with 4408 because they fell behind."},
			hubStat(func(_, _, sc uint64) uint64 { return sc })),
		&boxCollector{s: s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	s.store.OnCommitStats(func(writes int, took time.Duration) {
		m.batchWrites.Observe(float64(writes))
		m.commitTime.Observe(took.Seconds())
	})
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, ErrorHandling: promhttp.ContinueOnError})
	return m
}

// boxCollector reads, at each scrape, what lives in the database and on
// disk: print jobs by state, the database size, free disk and the age of
// the newest backup.
type boxCollector struct{ s *Server }

var (
	descPrintJobs  = prometheus.NewDesc("rms_print_jobs", "Print jobs by state.", []string{"state"}, nil)
	descDBSize     = prometheus.NewDesc("rms_db_size_bytes", "Size of the database on disk, write-ahead log included.", nil, nil)
	descDiskFree   = prometheus.NewDesc("rms_disk_free_bytes", "Free bytes on the data folder's file system.", nil, nil)
	descLastBackup = prometheus.NewDesc("rms_last_backup_timestamp_seconds", "When the newest daily snapshot was written (Unix time); absent when there is none.", nil, nil)
)

func (b *boxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPrintJobs
	ch <- descDBSize
	ch <- descDiskFree
	ch <- descLastBackup
}

func (b *boxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := b.s.store.PrintJobCounts(ctx); err == nil {
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(descPrintJobs, prometheus.GaugeValue, float64(n), state)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(descPrintJobs, err)
	}
	sys := b.s.systemStatus()
	if sys.DBSize >= 0 {
		ch <- prometheus.MustNewConstMetric(descDBSize, prometheus.GaugeValue, float64(sys.DBSize))
	}
	if sys.Disk != nil {
		ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(sys.Disk.Free))
	}
	if sys.LastBackup != nil {
		ch <- prometheus.MustNewConstMetric(descLastBackup, prometheus.GaugeValue, float64(sys.LastBackup.At.Unix()))
	}
}

// trackConn counts a realtime connection until it is done.
func (m *metrics) trackConn(endpoint string, hc *hub.Conn) {
	g := m.conns.WithLabelValues(endpoint)
	g.Inc()
	hc.OnDone(g.Dec)
}

// countRequests records each request by its route pattern (not its path,
// so ids do not explode the label set) once the error handler has set the
// final status.
func (s *Server) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		if err != nil && !c.Response().Committed {
			// Not answered yet (a panic on its way up): the error
			// handler will make it a 500.
			status = http.StatusInternalServerError
		}
		s.metrics.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		return err
	}
}

// handleMetrics serves GET /metrics: to anyone on the box itself (a local
// Prometheus or node exporter), else to an admin token.
func (s *Server) handleMetrics(c echo.Context) error {
	serve := func(c echo.Context) error {
		s.metrics.handler.ServeHTTP(c.Response(), c.Request())
		return nil
	}
	if fromLoopback(c.Request()) {
		return serve(c)
	}
	return s.allow(adminOnly...)(serve)(c)
}

// fromLoopback reports whether the peer is this machine.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
