package sqtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// dial connects a Client to addr; cleanup closes it.
func dial(t *testing.T, addr string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// bounded is a context for one call.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// hold is a delay hook that blocks requests for sqrt(x) with x in held
// until release is closed, telling seen about each one it holds.
type hold struct {
	held    map[float64]bool
	seen    chan Message
	release chan struct{}
}

func newHold(values ...float64) *hold {
	h := &hold{held: map[float64]bool{}, seen: make(chan Message, 1000), release: make(chan struct{})}
	for _, v := range values {
		h.held[v] = true
	}
	return h
}

func (h *hold) delay(m Message) time.Duration {
	if m.Type == SqrtRequest && h.held[m.Value] {
		h.seen <- m
		<-h.release
	}
	return 0
}

// waitSeen waits for n held requests and returns them.
func (h *hold) waitSeen(t *testing.T, n int) []Message {
	t.Helper()
	var ms []Message
	for range n {
		select {
		case m := <-h.seen:
			ms = append(ms, m)
		case <-time.After(wait):
			t.Fatalf("%d of %d held requests arrived", len(ms), n)
		}
	}
	return ms
}

func TestClientSqrtSpecialValues(t *testing.T) {
	c := dial(t, serve(t, &Server{}))
	tests := []struct {
		x, want float64
	}{
		{2, math.Sqrt2},
		{0, 0},
		{math.Copysign(0, -1), math.Copysign(0, -1)},
		{math.Inf(1), math.Inf(1)},
		{math.Inf(-1), math.NaN()},
		{-1, math.NaN()},
		{-math.SmallestNonzeroFloat64, math.NaN()},
		{math.NaN(), math.NaN()},
		{math.MaxFloat64, 1.3407807929942596e+154},
	}
	for _, tt := range tests {
		got, err := c.Sqrt(bounded(t), tt.x)
		if err != nil {
			t.Fatalf("Sqrt(%v): %v", tt.x, err)
		}
		same := got == tt.want && math.Signbit(got) == math.Signbit(tt.want) || math.IsNaN(got) && math.IsNaN(tt.want)
		if !same {
			t.Errorf("Sqrt(%v) = %v (%016x), want %v", tt.x, got, math.Float64bits(got), tt.want)
		}
	}
}

func TestClientTime(t *testing.T) {
	c := dial(t, serve(t, &Server{Now: fixedNow}))
	got, err := c.Time(bounded(t))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(fixedNow()) || got.Location() != time.UTC {
		t.Errorf("Time = %v, want %v in UTC", got, fixedNow().UTC())
	}
}

func TestClientMatchesRepliesThatComeBackReordered(t *testing.T) {
	// Requests for even squares are held until every odd one has been
	// answered, so every even reply comes after later requests' replies.
	var evens []float64
	for i := 0; i < 100; i += 2 {
		evens = append(evens, float64(i*i))
	}
	h := newHold(evens...)
	c := dial(t, serve(t, &Server{delay: h.delay}))

	results := make([]float64, 100)
	errs := make([]error, 100)
	var evenWG, oddWG sync.WaitGroup
	call := func(wg *sync.WaitGroup, i int) {
		defer wg.Done()
		results[i], errs[i] = c.Sqrt(bounded(t), float64(i*i))
	}
	for i := 0; i < 100; i += 2 {
		evenWG.Add(1)
		go call(&evenWG, i)
	}
	h.waitSeen(t, len(evens))
	for i := 1; i < 100; i += 2 {
		oddWG.Add(1)
		go call(&oddWG, i)
	}
	// The odd calls end while the evens are still held: their replies
	// overtook earlier requests'.
	oddDone := make(chan struct{})
	go func() { oddWG.Wait(); close(oddDone) }()
	select {
	case <-oddDone:
	case <-time.After(wait):
		t.Fatal("later calls were not answered before earlier ones")
	}
	close(h.release)
	evenWG.Wait()
	for i := range 100 {
		if errs[i] != nil || results[i] != float64(i) {
			t.Errorf("Sqrt(%d) = %v, %v", i*i, results[i], errs[i])
		}
	}
}

func TestClientThousandConcurrentCalls(t *testing.T) {
	c := dial(t, serve(t, &Server{Now: fixedNow}))
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 3 {
				got, err := c.Time(bounded(t))
				if err != nil || !got.Equal(fixedNow()) {
					errs <- fmt.Errorf("Time = %v, %v", got, err)
				}
				return
			}
			got, err := c.Sqrt(bounded(t), float64(i)*float64(i))
			if err != nil || got != float64(i) {
				errs <- fmt.Errorf("Sqrt(%d) = %v, %v", i*i, got, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClientFailsEveryCallWhenTheServerDisappears(t *testing.T) {
	started := make(chan struct{}, 100)
	s := &Server{delay: func(m Message) time.Duration {
		if m.Value == 0 {
			return 0
		}
		started <- struct{}{}
		return time.Hour
	}}
	c := dial(t, serve(t, s))
	if _, err := c.Sqrt(bounded(t), 0); err != nil {
		t.Fatal(err)
	}
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := c.Sqrt(bounded(t), float64(i+1))
			errs <- err
		}()
	}
	for range n {
		select {
		case <-started:
		case <-time.After(wait):
			t.Fatal("requests not in flight")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Shutdown(ctx) // context already done: closes connections at once

	timeout := time.After(2 * time.Second)
	for range n {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrConnectionLost) {
				t.Fatalf("pending call: %v, want ErrConnectionLost", err)
			}
		case <-timeout:
			t.Fatal("pending calls did not fail")
		}
	}
	if _, err := c.Sqrt(bounded(t), 4); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("later Sqrt: %v, want ErrConnectionLost", err)
	}
	if _, err := c.Time(bounded(t)); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("later Time: %v, want ErrConnectionLost", err)
	}
}

// fakeServer accepts one connection, reads one request, writes what
// reply makes of it, and keeps the connection open.
func fakeServer(t *testing.T, reply func(req Message) Message) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		m, err := NewReader(c).Read()
		if err != nil {
			return
		}
		b, _ := AppendMessage(nil, reply(m))
		c.Write(b)
	}()
	return l.Addr().String()
}

func TestClientLosesTheConnectionOnAReplyItCannotMatch(t *testing.T) {
	tests := []struct {
		name  string
		reply func(Message) Message
	}{
		{"unknown id", func(m Message) Message { return Message{Type: SqrtResponse, ID: m.ID + 1, Value: 2} }},
		{"time response to a sqrt", func(m Message) Message { return Message{Type: TimeResponse, ID: m.ID, Time: FormatTime(fixedNow())} }},
		{"a request", func(m Message) Message { return Message{Type: SqrtRequest, ID: m.ID, Value: 2} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, fakeServer(t, tt.reply))
			if _, err := c.Sqrt(bounded(t), 4); !errors.Is(err, ErrConnectionLost) {
				t.Fatalf("Sqrt: %v, want ErrConnectionLost", err)
			}
			if _, err := c.Sqrt(bounded(t), 4); !errors.Is(err, ErrConnectionLost) {
				t.Fatalf("later Sqrt: %v, want ErrConnectionLost", err)
			}
		})
	}
}

func TestClientCancelledCallLeavesTheConnectionUsable(t *testing.T) {
	h := newHold(100)
	c := dial(t, serve(t, &Server{delay: h.delay}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Sqrt(ctx, 100)
		done <- err
	}()
	h.waitSeen(t, 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Sqrt: %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("cancelled call did not return")
	}
	if got, err := c.Sqrt(bounded(t), 9); err != nil || got != 3 {
		t.Fatalf("Sqrt(9) after a cancel = %v, %v", got, err)
	}

	// The late reply is dropped, not taken for another call or as a
	// protocol error.
	close(h.release)
	deadline := time.Now().Add(wait)
	for {
		c.mu.Lock()
		left := len(c.abandoned)
		c.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("late reply never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	if got, err := c.Sqrt(bounded(t), 16); err != nil || got != 4 {
		t.Fatalf("Sqrt(16) after the late reply = %v, %v", got, err)
	}

	// A context already done sends nothing.
	if _, err := c.Sqrt(ctx, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("Sqrt with a done context: %v", err)
	}
}

func TestClientIDsWrapAroundPastPendingCalls(t *testing.T) {
	h := newHold(49)
	var mu sync.Mutex
	var ids []uint32
	s := &Server{delay: func(m Message) time.Duration {
		mu.Lock()
		ids = append(ids, m.ID)
		mu.Unlock()
		return h.delay(m)
	}}
	c := dial(t, serve(t, s))

	// Call id 0 is held: pending across the wrap.
	held := make(chan float64, 1)
	go func() {
		got, _ := c.Sqrt(bounded(t), 49)
		held <- got
	}()
	if m := h.waitSeen(t, 1)[0]; m.ID != 0 {
		t.Fatalf("first call has id %d", m.ID)
	}
	c.mu.Lock()
	c.nextID = math.MaxUint32 - 1
	c.mu.Unlock()
	for i := range 3 {
		x := float64((i + 2) * (i + 2))
		if got, err := c.Sqrt(bounded(t), x); err != nil || got != float64(i+2) {
			t.Fatalf("Sqrt(%v) = %v, %v", x, got, err)
		}
	}
	close(h.release)
	if got := <-held; got != 7 {
		t.Errorf("held Sqrt(49) = %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []uint32{0, math.MaxUint32 - 1, math.MaxUint32, 1}
	if len(ids) != len(want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ids %v, want %v", ids, want)
		}
	}
}

func TestClientClose(t *testing.T) {
	h := newHold(4)
	c := dial(t, serve(t, &Server{delay: h.delay}))
	t.Cleanup(func() { close(h.release) })
	done := make(chan error, 1)
	go func() {
		_, err := c.Sqrt(bounded(t), 4)
		done <- err
	}()
	h.waitSeen(t, 1)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrConnectionLost) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("pending call after Close: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("pending call did not end")
	}
	if _, err := c.Time(bounded(t)); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("call after Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

// Against a server that reads but never answers, cancelled calls do not
// pile up for ever: past maxAbandoned the connection is lost, and says why.
func TestAbandonedCallsAreBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c) // reads, never answers
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer func(n int) { maxAbandoned = n }(maxAbandoned)
	maxAbandoned = 100
	for i := 0; i <= maxAbandoned+1; i++ {
		short, stop := context.WithTimeout(context.Background(), time.Millisecond)
		_, err := c.Sqrt(short, 1)
		stop()
		if errors.Is(err, ErrConnectionLost) {
			if !strings.Contains(err.Error(), "abandoned without a reply") {
				t.Fatalf("%v, want the reason", err)
			}
			return
		}
	}
	t.Fatalf("%d abandoned calls and the connection still stands", maxAbandoned+2)
}
