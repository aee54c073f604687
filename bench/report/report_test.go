package main

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/REPORT.md and testdata/chart.svg")

// TestGolden renders testdata/sample.txt, real go test -bench output
// with the lines the runner adds, into the report and the chart.
func TestGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var md, svg bytes.Buffer
	render(&md, r, "chart.svg")
	chart(&svg, r)
	for _, f := range []struct {
		name string
		got  []byte
	}{{"REPORT.md", md.Bytes()}, {"chart.svg", svg.Bytes()}} {
		path := filepath.Join("testdata", f.name)
		if *update {
			if err := os.WriteFile(path, f.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./bench/report -update writes it)", err)
		}
		if !bytes.Equal(f.got, want) {
			t.Errorf("%s differs from what the report writes now (go test ./bench/report -update, and review the diff)", path)
		}
	}
	// Rendering again gives the same bytes: nothing depends on map order
	// or the clock.
	var again bytes.Buffer
	render(&again, r, "chart.svg")
	if !bytes.Equal(again.Bytes(), md.Bytes()) {
		t.Error("two renderings of the same run differ")
	}
}

func TestParse(t *testing.T) {
	const out = `goversion: go1.26.0
ncpu: 8
goos: linux
pkg: example.com/bench
cpu: Some CPU @ 3.00GHz
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-8   	 1000	      1500 ns/op	        42.00 bytes	  144 B/op	       1 allocs/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-8           	 1000	      1000 ns/op	        42.00 bytes	         1.000 lossy	  144 B/op	       1 allocs/op
--- BENCH: BenchmarkSuite/workload=W/op=Marshal/impl=json-8
    suite_test.go:72: loses data: something
    suite_test.go:72: loses data: something
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-8   	 1000	      1700 ns/op	        42.00 bytes	  144 B/op	       1 allocs/op
BenchmarkStoreSearch/range10of100k/impl=index
BenchmarkStoreSearch/range10of100k/impl=index-8   	 9000	  43308 ns/op
PASS
goos: ignored after the first result
ok  	example.com/bench	1.0s
`
	r, err := parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.procs != 8 || r.get("cpu") != "Some CPU @ 3.00GHz" || r.get("ncpu") != "8" || r.get("goos") != "linux" {
		t.Errorf("config: procs %d, %v", r.procs, r.config)
	}
	if len(r.results) != 3 {
		t.Fatalf("%d results, want 3", len(r.results))
	}
	ours := r.results[0]
	if ours.name != "Suite/workload=W/op=Marshal/impl=wirekit-json" || ours.group != "Suite" || ours.impl != "wirekit-json" ||
		ours.kase != "workload=W/op=Marshal" || ours.keys["op"] != "Marshal" {
		t.Errorf("names: %+v", ours)
	}
	if got := ours.metric("ns/op"); len(got) != 2 || got[0] != 1500 || got[1] != 1700 {
		t.Errorf("ns/op samples %v", got)
	}
	lib := r.results[1]
	if len(lib.notes) != 1 || lib.notes[0] != "loses data: something" || lib.metric("lossy")[0] != 1 {
		t.Errorf("notes %q, lossy %v", lib.notes, lib.metric("lossy"))
	}
	if s := r.results[2]; s.group != "StoreSearch" || s.impl != "index" || s.kase != "range10of100k" {
		t.Errorf("store: %+v", s)
	}

	if _, err := parse(strings.NewReader("BenchmarkX-2 10 oops ns/op\n")); err == nil {
		t.Error("a bad value parsed")
	}
	if _, err := parse(strings.NewReader("PASS\n")); err == nil {
		t.Error("output without results parsed")
	}
}

// TestSlower: a wrapper answers to its library, everything else to the
// fastest peer; one run needs 5%, several runs the U test.
func TestSlower(t *testing.T) {
	const out = `BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-2 1 1040 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-2 1 1000 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-cbor-2 1 600 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=cbor-2 1 500 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-xdr-2 1 450 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=davecgh-2 1 300 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-xdr-gen-2 1 200 ns/op
`
	r, err := parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	render(&md, r, "")
	got := md.String()
	for _, want := range []string{
		"wirekit-cbor takes 1.20x the time of cbor, the library it wraps (600 ns vs 500 ns)",
		"wirekit-xdr takes 1.50x the time of davecgh, the fastest peer (450 ns vs 300 ns)",
		"| **wirekit-xdr-gen** | 200 ns |  |  | 0.67x |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, unwanted := range []string{"wirekit-json takes", "wirekit-xdr-gen takes", "![", "| ± |"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("report has %q", unwanted)
		}
	}

	// Four runs each: 4% slower every time is significant; the same
	// medians with overlapping samples are not.
	const runs = `BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-2 1 1040 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-2 1 1041 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-2 1 1042 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=wirekit-json-2 1 1043 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-2 1 1000 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-2 1 1001 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-2 1 1002 ns/op
BenchmarkSuite/workload=W/op=Marshal/impl=json-2 1 1003 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=wirekit-json-2 1 900 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=wirekit-json-2 1 1300 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=wirekit-json-2 1 1000 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=wirekit-json-2 1 1200 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=json-2 1 950 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=json-2 1 1250 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=json-2 1 1050 ns/op
BenchmarkSuite/workload=W/op=Unmarshal/impl=json-2 1 1100 ns/op
`
	if r, err = parse(strings.NewReader(runs)); err != nil {
		t.Fatal(err)
	}
	md.Reset()
	render(&md, r, "")
	got = md.String()
	if !strings.Contains(got, "W, Marshal: wirekit-json takes 1.04x the time of json, the library it wraps (1.04 µs vs 1.00 µs, p=0.029)") {
		t.Errorf("a significant 4%% is not listed:\n%s", got)
	}
	if strings.Contains(got, "W, Unmarshal: wirekit-json takes") || !strings.Contains(got, "| **wirekit-json** | 1.10 µs | 18% r |  |  | 1.02x ~ |") {
		t.Errorf("an insignificant difference is listed, or not marked ~:\n%s", got)
	}
}

func TestUTest(t *testing.T) {
	tests := []struct {
		xs, ys []float64
		p      float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{5, 6, 7, 8}, 2.0 / 70},
		{[]float64{5, 6, 7, 8}, []float64{1, 2, 3, 4}, 2.0 / 70},
		{[]float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}, 2.0 / 924},
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, 0.1},
		{[]float64{1, 1, 1}, []float64{1, 1, 1}, 1},
	}
	for _, tt := range tests {
		if p := uTest(tt.xs, tt.ys); math.Abs(p-tt.p) > 1e-12 {
			t.Errorf("uTest(%v, %v) = %v, want %v", tt.xs, tt.ys, p, tt.p)
		}
	}
	// Against every arrangement of the ranks, counted one by one.
	for _, tt := range []struct{ xs, ys []float64 }{
		{[]float64{1, 3, 5, 7}, []float64{2, 4, 6, 8}},
		{[]float64{1, 4, 5, 9, 10}, []float64{2, 3, 6, 7, 8, 11}},
		{[]float64{12, 3, 5}, []float64{1, 2, 4, 6, 7, 8, 9, 10, 11}},
	} {
		if got, want := uTest(tt.xs, tt.ys), bruteU(tt.xs, tt.ys); math.Abs(got-want) > 1e-12 {
			t.Errorf("uTest(%v, %v) = %v, counting gives %v", tt.xs, tt.ys, got, want)
		}
	}
}

// bruteU is the two-sided exact p-value of the U test for samples
// without ties, by counting the arrangements of ranks.
func bruteU(xs, ys []float64) float64 {
	u := func(xs, ys []float64) int {
		n := 0
		for _, x := range xs {
			for _, y := range ys {
				if x > y {
					n++
				}
			}
		}
		return n
	}
	observed := u(xs, ys)
	n1, n := len(xs), len(xs)+len(ys)
	lower, upper, total := 0, 0, 0
	for mask := 0; mask < 1<<n; mask++ {
		var a, b []float64
		for i := range n {
			if mask&(1<<i) != 0 {
				a = append(a, float64(i))
			} else {
				b = append(b, float64(i))
			}
		}
		if len(a) != n1 {
			continue
		}
		total++
		if k := u(a, b); k <= observed {
			lower++
		}
		if k := u(a, b); k >= observed {
			upper++
		}
	}
	return math.Min(1, 2*float64(min(lower, upper))/float64(total))
}

func TestSummarize(t *testing.T) {
	s := summarize([]float64{6, 1, 5, 2, 4, 3})
	if s.center != 3.5 || s.lo != 1 || s.hi != 6 || !s.exact {
		t.Errorf("6 samples: %+v, want median 3.5 in [1, 6]", s)
	}
	s = summarize([]float64{5, 1, 4, 2, 3})
	if s.center != 3 || s.lo != 1 || s.hi != 5 || s.exact {
		t.Errorf("5 samples: %+v, want median 3, the range [1, 5], not exact", s)
	}
	s = summarize([]float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5})
	if s.center != 5.5 || s.lo != 2 || s.hi != 9 || !s.exact {
		t.Errorf("10 samples: %+v, want median 5.5 in [2, 9]", s)
	}
	if got := fmtSpread(summarize([]float64{90, 100, 110, 100, 100, 105})); got != "10%" {
		t.Errorf("spread %q, want 10%%", got)
	}
}

func TestFormat(t *testing.T) {
	for ns, want := range map[float64]string{
		0.8615: "0.86 ns", 12.34: "12.3 ns", 886.8: "887 ns", 999.7: "1.00 µs", 4078: "4.08 µs",
		1365917: "1.37 ms", 414781044: "415 ms", 2.5e9: "2.50 s",
	} {
		if got := fmtTime(ns); got != want {
			t.Errorf("fmtTime(%v) = %q, want %q", ns, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1048604: "1,048,604"} {
		if got := groupThousands(v); got != want {
			t.Errorf("groupThousands(%v) = %q, want %q", v, got, want)
		}
	}
	if got := shellJoin([]string{"test", "-run", "^$", "-bench", ".", "./bench"}); got != "test -run '^$' -bench . ./bench" {
		t.Errorf("shellJoin: %s", got)
	}
}
