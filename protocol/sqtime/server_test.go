package sqtime

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wait bounds every wait in these tests.
const wait = 5 * time.Second

// serve starts s on a loopback port and returns its address. Cleanup shuts
// it down and checks that Serve returned ErrServerClosed.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		s.Shutdown(ctx)
		select {
		case err := <-served:
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(wait):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return l.Addr().String()
}

// dialRaw connects to addr with a deadline on everything it does.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(wait))
	t.Cleanup(func() { c.Close() })
	return c
}

// unhex decodes hex digits, ignoring spaces.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// expect reads exactly len(want) bytes from c and compares them.
func expect(t *testing.T, c net.Conn, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	if n, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read %d of %d bytes (%x): %v", n, len(want), got[:n], err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

// expectClosed checks that the server closes c without sending more.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %d bytes (%x), %v; want the connection closed", n, b[:n], err)
	}
}

// fixedNow is a clock in a zone other than UTC, to show that time
// responses are converted.
func fixedNow() time.Time {
	return time.Date(2024, 2, 29, 13, 34, 56, 123456789, time.FixedZone("CET", 3600))
}

func TestServerAnswersExactBytes(t *testing.T) {
	addr := serve(t, &Server{Now: fixedNow})
	tests := []struct {
		name     string
		req, res string
	}{
		{"sqrt 2", "00000001 00000001 4000000000000000", "01000001 00000001 3ff6a09e667f3bcd"},
		{"sqrt 4 high id", "00000001 deadbeef 4010000000000000", "01000001 deadbeef 4000000000000000"},
		{"sqrt 0", "00000001 00000000 0000000000000000", "01000001 00000000 0000000000000000"},
		{"sqrt -0 keeps the sign", "00000001 00000002 8000000000000000", "01000001 00000002 8000000000000000"},
		{"sqrt +Inf", "00000001 00000003 7ff0000000000000", "01000001 00000003 7ff0000000000000"},
		{"sqrt -Inf is NaN", "00000001 00000004 fff0000000000000", "01000001 00000004 7ff8000000000000"},
		{"sqrt -1 is NaN", "00000001 00000005 bff0000000000000", "01000001 00000005 7ff8000000000000"},
		{"sqrt NaN with payload is the canonical NaN", "00000001 00000006 fff8000000000123", "01000001 00000006 7ff8000000000000"},
		{"sqrt smallest subnormal", "00000001 ffffffff 0000000000000001", "01000001 ffffffff 1e60000000000000"},
		{"time in UTC with nanoseconds", "00000002 0000002a",
			"01000002 0000002a 0000001e " + hex.EncodeToString([]byte("2024-02-29T12:34:56.123456789Z"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			if _, err := c.Write(unhex(t, tt.req)); err != nil {
				t.Fatal(err)
			}
			expect(t, c, unhex(t, tt.res))
		})
	}
}

func TestServerPipelined(t *testing.T) {
	addr := serve(t, &Server{Now: fixedNow})
	c := dialRaw(t, addr)
	// Ten requests in one write; the answers come in any order.
	var req []byte
	want := map[string]bool{}
	for i := range uint32(10) {
		if i%2 == 0 {
			req, _ = AppendMessage(req, Message{Type: SqrtRequest, ID: i, Value: float64(i * i)})
			b, _ := AppendMessage(nil, Message{Type: SqrtResponse, ID: i, Value: float64(i)})
			want[string(b)] = true
		} else {
			req, _ = AppendMessage(req, Message{Type: TimeRequest, ID: i})
			b, _ := AppendMessage(nil, Message{Type: TimeResponse, ID: i, Time: FormatTime(fixedNow())})
			want[string(b)] = true
		}
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	r := NewReader(c)
	for range 10 {
		m, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := AppendMessage(nil, m)
		if !want[string(b)] {
			t.Fatalf("unexpected or repeated response %+v", m)
		}
		delete(want, string(b))
	}
}

func TestServerReadsRequestSplitIntoOneByteWrites(t *testing.T) {
	addr := serve(t, &Server{Now: fixedNow})
	c := dialRaw(t, addr)
	c.(*net.TCPConn).SetNoDelay(true)
	req := unhex(t, "00000001 00000001 4000000000000000 00000002 00000002")
	for i := range req {
		if _, err := c.Write(req[i : i+1]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // let each byte go out in its own segment
	}
	r := NewReader(c)
	got := map[uint32]Message{}
	for range 2 {
		m, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		got[m.ID] = m
	}
	if m := got[1]; m.Type != SqrtResponse || m.Value != 1.4142135623730951 {
		t.Errorf("sqrt response %+v", m)
	}
	if m := got[2]; m.Type != TimeResponse || m.Time != "2024-02-29T12:34:56.123456789Z" {
		t.Errorf("time response %+v", m)
	}
}

func TestServerClosesOnlyTheConnectionThatSendsGarbage(t *testing.T) {
	tests := []struct{ name, bad string }{
		{"unknown type word", "deadbeef 00000002 4000000000000000"},
		{"sqrt response sent to the server", "01000001 00000002 4000000000000000"},
		{"time response sent to the server", "01000002 00000002 0000001e " + hex.EncodeToString([]byte(FormatTime(fixedNow())))},
		{"time response with an overlong text", "01000002 00000002 00001000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, &Server{})
			good := dialRaw(t, addr)
			bad := dialRaw(t, addr)
			// The request before the garbage is answered, then the
			// connection is closed.
			if _, err := bad.Write(unhex(t, "00000001 00000001 4010000000000000"+tt.bad)); err != nil {
				t.Fatal(err)
			}
			expect(t, bad, unhex(t, "01000001 00000001 4000000000000000"))
			expectClosed(t, bad)

			if _, err := good.Write(unhex(t, "00000001 00000009 4000000000000000")); err != nil {
				t.Fatal(err)
			}
			expect(t, good, unhex(t, "01000001 00000009 3ff6a09e667f3bcd"))
		})
	}
}

func TestServerAnswersBeforeClosingAHalfClosedConnection(t *testing.T) {
	addr := serve(t, &Server{})
	c := dialRaw(t, addr)
	c.Write(unhex(t, "00000001 00000001 4000000000000000"))
	c.(*net.TCPConn).CloseWrite()
	expect(t, c, unhex(t, "01000001 00000001 3ff6a09e667f3bcd"))
	expectClosed(t, c)
}

// roundTrip sends sqrt(4) on c and checks the answer.
func roundTrip(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := c.Write(unhex(t, "00000001 00000001 4010000000000000")); err != nil {
		t.Fatal(err)
	}
	expect(t, c, unhex(t, "01000001 00000001 4000000000000000"))
}

func TestServerMaxConns(t *testing.T) {
	addr := serve(t, &Server{MaxConns: 2})
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	roundTrip(t, a) // both are being served, so both are counted
	roundTrip(t, b)
	over := dialRaw(t, addr)
	expectClosed(t, over)
	roundTrip(t, a) // the refusal did not disturb the others

	// Once one closes, a new connection is served; the server notices
	// the close asynchronously, so retry for a while.
	a.Close()
	deadline := time.Now().Add(wait)
	for {
		c := dialRaw(t, addr)
		c.Write(unhex(t, "00000001 00000001 4010000000000000"))
		var buf [16]byte
		if _, err := io.ReadFull(c, buf[:]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection served after one of MaxConns closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServerIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	s := &Server{IdleTimeout: idle, delay: func(m Message) time.Duration {
		if m.Value == 9 {
			return 3 * idle
		}
		return 0
	}}
	addr := serve(t, s)

	t.Run("an idle connection is closed", func(t *testing.T) {
		// The server's clock starts when it accepts, which can be before
		// the dial returns here: start this one before dialing.
		start := time.Now()
		c := dialRaw(t, addr)
		expectClosed(t, c)
		if d := time.Since(start); d < idle || d > idle+2*time.Second {
			t.Errorf("closed after %v, IdleTimeout is %v", d, idle)
		}
	})
	t.Run("a connection with a request in flight is not idle", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.Write(unhex(t, "00000001 00000001 4022000000000000")) // sqrt(9), delayed 3*idle
		expect(t, c, unhex(t, "01000001 00000001 4008000000000000"))
		// Then it is idle, and closed.
		expectClosed(t, c)
	})
}

// A message must arrive whole within IdleTimeout of its first byte: a
// peer trickling bytes (slowloris) is closed although bytes keep coming,
// while one that sends whole messages slowly is served.
func TestServerSlowMessage(t *testing.T) {
	const idle = 300 * time.Millisecond
	var logged strings.Builder
	var mu sync.Mutex
	s := &Server{IdleTimeout: idle, ErrorLog: log.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), "", 0)}
	addr := serve(t, s)

	t.Run("trickled", func(t *testing.T) {
		c := dialRaw(t, addr)
		msg := unhex(t, "00000001 00000001 4022000000000000")
		// Whole messages first: the connection works.
		c.Write(msg)
		expect(t, c, unhex(t, "01000001 00000001 4008000000000000"))
		start := time.Now()
		closed := make(chan error, 1)
		go func() {
			var b [1]byte
			_, err := c.Read(b[:])
			closed <- err
		}()
		for i := 0; ; i++ {
			if i < len(msg) {
				c.Write(msg[i : i+1]) // a byte every idle/3: each in time
			}
			select {
			case err := <-closed:
				if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("read: %v; want the connection closed", err)
				}
				if d := time.Since(start); d < idle-idle/3 || d > idle+time.Second {
					t.Errorf("closed %v after the message began, IdleTimeout is %v", d, idle)
				}
				mu.Lock()
				defer mu.Unlock()
				if !strings.Contains(logged.String(), "did not arrive whole") {
					t.Errorf("the log does not say why: %q", logged.String())
				}
				return
			case <-time.After(idle / 3):
			}
			if time.Since(start) > 5*idle {
				t.Fatalf("the connection is open %v after its message began", time.Since(start))
			}
		}
	})
	t.Run("split, while the server is not reading", func(t *testing.T) {
		// At MaxInFlight the server stops reading, half a message in, for
		// longer than IdleTimeout; the rest is in the socket all along.
		s := &Server{IdleTimeout: idle, MaxInFlight: 1, delay: func(m Message) time.Duration {
			if m.ID == 1 {
				return 2 * idle
			}
			return 0
		}}
		c := dialRaw(t, serve(t, s))
		req := func(id string) []byte { return unhex(t, "00000001 0000000"+id+" 4010000000000000") }
		c.Write(append(append(req("1"), req("2")...), req("3")[:8]...))
		time.Sleep(10 * time.Millisecond)
		c.Write(req("3")[8:])
		for _, id := range []string{"1", "2", "3"} {
			expect(t, c, unhex(t, "01000001 0000000"+id+" 4000000000000000"))
		}
	})
	t.Run("whole messages, slowly", func(t *testing.T) {
		c := dialRaw(t, addr)
		for range 4 {
			time.Sleep(idle / 2)
			c.Write(unhex(t, "00000001 00000002 4010000000000000"))
			expect(t, c, unhex(t, "01000001 00000002 4000000000000000"))
		}
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	started := make(chan Message, 3)
	s := &Server{delay: func(m Message) time.Duration {
		started <- m
		return 100 * time.Millisecond
	}}
	addr := serve(t, s)
	busy, idle := dialRaw(t, addr), dialRaw(t, addr)
	roundTrip(t, idle)
	<-started
	busy.Write(unhex(t, "00000001 00000001 4000000000000000 00000001 00000002 4010000000000000 00000002 00000003"))
	for range 3 {
		select {
		case <-started:
		case <-time.After(wait):
			t.Fatal("requests not started")
		}
	}

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	expectClosed(t, idle) // at once, long before the in-flight requests end
	r := NewReader(busy)
	ids := map[uint32]bool{}
	for range 3 {
		m, err := r.Read()
		if err != nil {
			t.Fatalf("after %d responses: %v", len(ids), err)
		}
		ids[m.ID] = true
	}
	if len(ids) != 3 {
		t.Errorf("responses for ids %v", ids)
	}
	expectClosed(t, busy)
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Shutdown did not return")
	}
	if c, err := net.DialTimeout("tcp", addr, wait); err == nil {
		c.Close()
		t.Error("the listener still accepts after Shutdown")
	}
	if err := s.ListenAndServe("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ListenAndServe after Shutdown: %v", err)
	}
}

func TestShutdownForcesCloseWhenContextEnds(t *testing.T) {
	started := make(chan struct{}, 1)
	s := &Server{delay: func(Message) time.Duration {
		started <- struct{}{}
		return time.Hour
	}}
	addr := serve(t, s)
	c := dialRaw(t, addr)
	c.Write(unhex(t, "00000002 00000001"))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	expectClosed(t, c)
}

func TestServerBoundsHandlersPerConnection(t *testing.T) {
	const maxInFlight = 4
	var running, most, total atomic.Int32
	release := make(chan struct{})
	s := &Server{MaxInFlight: maxInFlight, delay: func(Message) time.Duration {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		total.Add(1)
		<-release
		running.Add(-1)
		return 0
	}}
	addr := serve(t, s)
	c := dialRaw(t, addr)
	const n = 40
	var req []byte
	for i := range uint32(n) {
		req, _ = AppendMessage(req, Message{Type: SqrtRequest, ID: i, Value: 4})
	}
	go c.Write(req) // may block: the server stops reading

	deadline := time.Now().Add(wait)
	for total.Load() < maxInFlight {
		if time.Now().After(deadline) {
			t.Fatalf("%d handlers started, want %d", total.Load(), maxInFlight)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a wrongly started fifth
	if got := total.Load(); got != maxInFlight {
		t.Fatalf("%d handlers started with %d requests sent, want MaxInFlight=%d", got, n, maxInFlight)
	}
	close(release)
	r := NewReader(c)
	for i := range n {
		if _, err := r.Read(); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
	}
	if m := most.Load(); m > maxInFlight {
		t.Errorf("%d handlers at once, MaxInFlight is %d", m, maxInFlight)
	}
}

// A peer that sends requests and never reads its answers: once the
// responses fill the socket buffers, WriteTimeout ends the connection, its
// in-flight slots are freed, and Shutdown finishes.
func TestPeerThatDoesNotReadIsDisconnected(t *testing.T) {
	s := &Server{WriteTimeout: 200 * time.Millisecond, IdleTimeout: -1}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Small socket buffers on both sides, so that the server's writes
	// block after a few kilobytes rather than after the megabytes the
	// kernel would otherwise buffer (which made this test depend on
	// autotuning).
	go s.Serve(smallSendListener{l})
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	var burst []byte
	for i := range 1024 {
		burst, _ = AppendMessage(burst, Message{Type: TimeRequest, ID: uint32(i)})
	}
	// Write until the server stops reading (its responses are stuck) or
	// drops the connection.
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := c.Write(burst); err != nil {
			break
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still holds the connection of a peer that does not read")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// smallSendListener gives each connection it accepts a small send buffer.
type smallSendListener struct{ net.Listener }

func (l smallSendListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}
