package main

import (
	"net"
	"strings"
	"testing"
)

func TestServeStoreAndTheREPL(t *testing.T) {
	addr := startServing(t, "store", "--data", t.TempDir(), "--raft", freeAddr(t))
	out, errs, code := wirectl(t, []byte("addcol users *email=str,*age=int\nadd users email=a age=18\nsearch users age>10\nexit\n"), "store", addr)
	if code != 0 || !strings.Contains(out, "Col added.") || !strings.Contains(out, "  email: a\n  age: 18\n") || !strings.HasSuffix(out, "Bye\n") {
		t.Errorf("exit %d %s:\n%s", code, errs, out)
	}
	if _, _, code := wirectl(t, nil, "store"); code != 2 {
		t.Errorf("store without ADDR: exit %d, want 2", code)
	}
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
