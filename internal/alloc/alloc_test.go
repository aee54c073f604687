package alloc

import "testing"

var sink []byte

func TestMeasures(t *testing.T) {
	make64k := func() { sink = make([]byte, 64<<10) }
	if n := PerCall(10, make64k); n < 64<<10 || n > 80<<10 {
		t.Errorf("PerCall: %d bytes for a 64 KiB allocation", n)
	}
	if n := Least(make64k); n < 64<<10 || n > 80<<10 {
		t.Errorf("Least: %d bytes for a 64 KiB allocation", n)
	}
	if n := Least(func() {}); n != 0 {
		t.Errorf("Least: %d bytes for nothing", n)
	}
}
