package server

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkOrderCreate measures POST /api/orders end to end: HTTP, JWT and
// user check, decoding, the durable commit (synchronous FULL) with its
// outbox rows, and the publish to the hub. "1-client" is one iPad after
// another; "16-clients" is a busy floor, where concurrent orders share
// commits.
func BenchmarkOrderCreate(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("%d-clients", clients), func(b *testing.B) {
			ts := newTestServer(b)
			tableID, itemID, barID := ts.seedMenu(b)
			body := fmt.Sprintf(`{"table_id":%d,"items":[{"menu_item_id":%d,"quantity":2,"notes":"no basil"},{"menu_item_id":%d,"quantity":1}]}`, tableID, itemID, barID)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
			defer client.CloseIdleConnections()
			post := func() error {
				req, err := http.NewRequest("POST", ts.URL+"/api/orders", strings.NewReader(body))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+ts.waiter)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("POST /api/orders status = %d (%s); want 201", resp.StatusCode, raw)
				}
				return nil
			}
			b.ResetTimer()
			if clients == 1 {
				for i := 0; i < b.N; i++ {
					if err := post(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				// RunParallel starts p × GOMAXPROCS goroutines.
				b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := post(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
