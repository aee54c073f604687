package main

import (
	"strings"
	"testing"
)

func TestServeStoreAndTheREPL(t *testing.T) {
	addr := startServing(t, "store", "--data", t.TempDir())
	out, errs, code := wirectl(t, []byte("addcol users *email=str,*age=int\nadd users email=a age=18\nsearch users age>10\nexit\n"), "store", addr)
	if code != 0 || !strings.Contains(out, "Col added.") || !strings.Contains(out, "  email: a\n  age: 18\n") || !strings.HasSuffix(out, "Bye\n") {
		t.Errorf("exit %d %s:\n%s", code, errs, out)
	}
	if _, _, code := wirectl(t, nil, "store"); code != 2 {
		t.Errorf("store without ADDR: exit %d, want 2", code)
	}
}
