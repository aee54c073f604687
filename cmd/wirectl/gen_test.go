package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenWritesWhatTheGeneratorWrites(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rfcfile")
	_, stderr, code := wirectl(t, nil, "gen", "--out", out, filepath.Join("..", "..", "testdata", "xdr", "file.x"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "file_xdr.go"))
	if err != nil {
		t.Fatal(err)
	}
	// internal/xdrcorpus/rfcfile is the same file, kept current and
	// compiled by xdr/gen's tests.
	want := readFile(t, filepath.Join("..", "..", "internal", "xdrcorpus", "rfcfile", "file_xdr.go"))
	if !bytes.Equal(got, want) {
		t.Fatalf("wirectl gen wrote a different file_xdr.go than internal/xdrcorpus/rfcfile holds")
	}
	if !strings.Contains(stderr, "wrote "+filepath.Join(out, "file_xdr.go")) {
		t.Fatalf("stderr %q does not say what was written", stderr)
	}
}

func TestGenErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.x")
	if err := os.WriteFile(bad, []byte("struct s {\n  widget w;\n};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"undefined type", []string{"gen", "--out", dir, bad}, 1, bad + ":2:3: undefined type widget"},
		{"no files", []string{"gen", "--out", dir}, 2, "at least one .x file"},
		{"no --out", []string{"gen", bad}, 2, "needs --out"},
		{"bad package name", []string{"gen", "--package", "no-dash", "--out", dir, filepath.Join("..", "..", "testdata", "xdr", "square.x")}, 2, "not a Go package name"},
		{"missing file", []string{"gen", "--out", dir, filepath.Join(dir, "nope.x")}, 1, "nope.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := wirectl(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
}
