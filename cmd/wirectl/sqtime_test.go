package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/protocol/sqtime"
)

func TestCallSqtime(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sqtime.Server{}
	go s.Serve(l)
	defer s.Shutdown(context.Background())

	out, errs, code := wirectl(t, nil, "call", "sqtime", l.Addr().String(), "sqrt", "2", "time", "sqrt", "-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != `{"type":"sqrt-response","value":1.4142135623730951}` ||
		!strings.HasPrefix(lines[1], `{"type":"time-response","time":"`) || lines[2] != `{"type":"sqrt-response","value":"NaN"}` {
		t.Errorf("output:\n%s", out)
	}
	for _, args := range [][]string{
		{"call", "sqtime", l.Addr().String()},
		{"call", "sqtime", l.Addr().String(), "sqrt"},
		{"call", "sqtime", l.Addr().String(), "sqrt", "two"},
		{"call", "sqtime", l.Addr().String(), "cube", "2"},
	} {
		if _, _, code := wirectl(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func TestServeSqtime(t *testing.T) {
	addr := startServing(t, "sqtime")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := sqtime.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Sqrt(ctx, 9); err != nil || r != 3 {
		t.Fatalf("sqrt 9: %v, %v", r, err)
	}
}
