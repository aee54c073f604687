package marshal_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/marshal"
)

type gvInner struct {
	Tags []string
	Raw  []byte
}

type gvOuter struct {
	Name  string
	Count int32
	Ratio float64
	Inner gvInner
	Index map[string]uint16
	Grid  [2][2]int8
	When  time.Time
	Any   any
}

type gvList struct {
	Val  int
	Next *gvList
}

func TestGobValuesNeedNoGoTypes(t *testing.T) {
	c := lookup(t, marshal.Limits{}, "gob")
	var buf bytes.Buffer
	enc := c.NewEncoder(&buf)
	in := gvOuter{Name: "n", Count: -3, Ratio: math.Inf(-1), Inner: gvInner{Tags: []string{"a"}, Raw: []byte{0xca, 0xfe}},
		Index: map[string]uint16{"k": 7}, Grid: [2][2]int8{{1, 2}, {3, 4}}, When: time.Unix(0, 0).UTC(), Any: "s"}
	for range 2 {
		if err := enc.Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	gv := marshal.Limits{}.NewGobValues(&buf)
	for i := range 2 {
		v, err := gv.Next()
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"Name":"n","Count":-3,"Ratio":"-Infinity","Inner":{"Tags":["a"],"Raw":"cafe"},"Index":{"k":7},"Grid":[[1,2],[3,4]],"When":"010000000e7791f70000000000ffff","Any":"s"}`
		if string(b) != want {
			t.Errorf("value %d:\n got %s\nwant %s", i, b, want)
		}
	}
	if _, err := gv.Next(); err != io.EOF {
		t.Errorf("after the last value: %v", err)
	}

	// A recursive type has no Go type without its sender's.
	buf.Reset()
	if err := c.NewEncoder(&buf).Encode(gvList{1, &gvList{2, nil}}); err != nil {
		t.Fatal(err)
	}
	_, err := marshal.Limits{}.NewGobValues(&buf).Next()
	if !errors.Is(err, marshal.ErrMalformed) || !strings.Contains(err.Error(), "recursive") {
		t.Errorf("recursive type: %v", err)
	}
}

func TestGobValuesComplexAsJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(complex(1.5, math.Inf(-1))); err != nil {
		t.Fatal(err)
	}
	v, err := marshal.Limits{}.NewGobValues(&buf).Next()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `[1.5,"-Infinity"]` {
		t.Fatalf("complex(1.5, -Inf) as JSON: %s, %v", b, err)
	}
}

// TestGobValuesMapKeysAsJSON: a JSON object's keys are text, so a map
// keyed by floats, complex numbers or bools comes back with keys that
// have a text form, and one keyed by structs is an error, not a value
// that cannot be shown.
func TestGobValuesMapKeysAsJSON(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{map[float64]int{1.5: 1, math.Inf(1): 2}, `{"1.5":1,"Infinity":2}`},
		{map[complex128]int{complex(1, -2): 1}, `{"(1-2i)":1}`},
		{map[bool]string{true: "y", false: "n"}, `{"false":"n","true":"y"}`},
	} {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(tc.in); err != nil {
			t.Fatal(err)
		}
		v, err := marshal.Limits{}.NewGobValues(&buf).Next()
		if err != nil {
			t.Fatalf("%T: %v", tc.in, err)
		}
		b, err := json.Marshal(v)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T as JSON: %s, %v; want %s", tc.in, b, err, tc.want)
		}
	}

	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(map[struct{ A, B int }]int{{1, 2}: 3}); err != nil {
		t.Fatal(err)
	}
	_, err := marshal.Limits{}.NewGobValues(&buf).Next()
	if !errors.Is(err, marshal.ErrMalformed) || !strings.Contains(err.Error(), "no JSON form") {
		t.Errorf("a map keyed by structs: %v", err)
	}
}
