package main

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
)

// startServing runs wirectl serve KIND --listen ADDR (and args) on a free
// port until the test ends, and returns ADDR once it accepts connections.
// When the test ends, the server is stopped as a signal stops it, and must
// exit 0.
func startServing(t *testing.T, kind string, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port: note it, let go
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr lockedBuffer
	go func() {
		done <- runContext(ctx, append([]string{"serve", kind, "--listen", addr}, args...), nil, &bytes.Buffer{}, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve %s: exit %d: %s", kind, code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("serve %s did not stop", kind)
		}
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve %s did not come up: %v (%s)", kind, err, stderr.String())
		}
	}
}
