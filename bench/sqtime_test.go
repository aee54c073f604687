package bench

import (
	"context"
	"math"
	"net"
	"net/rpc"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/protocol/sqtime"
)

// SqrtService is the net/rpc peer of sqtime: the same square root, over
// net/rpc's default gob codec. net/rpc wants it exported.
type SqrtService struct{}

// Sqrt sets r to the square root of x.
func (SqrtService) Sqrt(x float64, r *float64) error {
	*r = math.Sqrt(x)
	return nil
}

// BenchmarkSqtime is request/response over one loopback connection with
// callers goroutines calling at once: calls/s is the throughput, p50-µs
// and p99-µs each call's latency.
func BenchmarkSqtime(b *testing.B) {
	ctx := context.Background()
	for _, callers := range []int{1, 16, 64} {
		prefix := "callers=" + strconv.Itoa(callers)
		b.Run(prefix+"/impl=wirekit", func(b *testing.B) {
			l := listenLoopback(b)
			s := &sqtime.Server{}
			go s.Serve(l)
			defer s.Shutdown(ctx)
			c, err := sqtime.Dial(ctx, l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			runCallers(b, callers, func(x float64) (float64, error) { return c.Sqrt(ctx, x) })
		})
		b.Run(prefix+"/impl=netrpc", func(b *testing.B) {
			l := listenLoopback(b)
			defer l.Close()
			srv := rpc.NewServer()
			if err := srv.Register(SqrtService{}); err != nil {
				b.Fatal(err)
			}
			go func() { // not srv.Accept, which logs the listener's closing
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					go srv.ServeConn(c)
				}
			}()
			c, err := rpc.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			runCallers(b, callers, func(x float64) (float64, error) {
				var r float64
				err := c.Call("SqrtService.Sqrt", x, &r)
				return r, err
			})
		})
	}
}

func listenLoopback(b *testing.B) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// runCallers makes b.N calls from callers goroutines sharing one client
// and reports calls/s and latency percentiles.
func runCallers(b *testing.B, callers int, call func(float64) (float64, error)) {
	for range 100 { // warm up the connection, buffers and gob's type cache
		if _, err := call(2); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	lat := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := make([]time.Duration, 0, b.N/callers+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				r, err := call(2)
				own = append(own, time.Since(t0))
				if err != nil || r != math.Sqrt2 {
					b.Errorf("sqrt(2) = %v, %v", r, err)
					return
				}
			}
			lat[g] = own
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[int(p*float64(len(all)-1))]) / float64(time.Microsecond)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
