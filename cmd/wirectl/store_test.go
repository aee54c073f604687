package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/protocol/store"
)

func TestServeStoreAndTheREPL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr lockedBuffer
	go func() {
		done <- runContext(ctx, []string{"serve", "store", "--data", t.TempDir(), "--listen", addr}, nil, &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
		c, err := store.Dial(dctx, addr)
		dcancel()
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not come up: %v (%s)", err, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, errs, code := wirectl(t, []byte("addcol users *email=str,*age=int\nadd users email=a age=18\nsearch users age>10\nexit\n"), "store", addr)
	if code != 0 || !strings.Contains(out, "Col added.") || !strings.Contains(out, "  email: a\n  age: 18\n") || !strings.HasSuffix(out, "Bye\n") {
		t.Errorf("exit %d %s:\n%s", code, errs, out)
	}
	if _, _, code := wirectl(t, nil, "store"); code != 2 {
		t.Errorf("store without ADDR: exit %d, want 2", code)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve store: exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve store did not stop")
	}
}
