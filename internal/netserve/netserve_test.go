package netserve

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

var errClosed = errors.New("closed")

func TestServeUntilClose(t *testing.T) {
	var ls Listeners
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- ls.Serve(l, "test", errClosed, t.Logf, func(c net.Conn) { handled.Add(1); c.Close() })
	}()
	for i := range 3 {
		c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		c.Close()
	}
	for deadline := time.Now().Add(5 * time.Second); handled.Load() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of 3 connections", handled.Load())
		}
	}
	ls.Close()
	select {
	case err := <-done:
		if err != errClosed {
			t.Errorf("Serve after Close: %v, want the closed error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	// Once closed, Serve refuses a new listener and closes it.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.Serve(l2, "test", errClosed, t.Logf, nil); err != errClosed {
		t.Errorf("Serve after Close: %v", err)
	}
	if _, err := l2.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the refused listener is still open: %v", err)
	}
}

// A listener that fails for good ends Serve with the error, named.
func TestServeReturnsAListenersError(t *testing.T) {
	var ls Listeners
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // not through ls: not a shutdown
	err = ls.Serve(l, "test", errClosed, t.Logf, nil)
	if !errors.Is(err, net.ErrClosed) || err.Error()[:13] != "test: accept:" {
		t.Errorf("%v, want test: accept: ... net.ErrClosed", err)
	}
}
