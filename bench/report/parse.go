package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// A run is what one `go test -bench` printed: its configuration lines
// (go test's goos, goarch, pkg and cpu, and the ones this program puts
// before them) and every benchmark's results, in the order they first
// appeared.
type run struct {
	config  []keyValue
	results []*result
	procs   int // GOMAXPROCS, from the names' -N suffix; 0 if none
	byName  map[string]*result
}

type keyValue struct{ key, value string }

// A result is one benchmark across the -count runs: every sample of
// every unit, and what it logged (deduplicated).
type result struct {
	name   string // without "Benchmark" and the -N suffix
	group  string // the top-level benchmark: "Suite", "XDR", ...
	impl   string // the impl= element, "" if none
	kase   string // the other elements after the group, joined by "/"
	keys   map[string]string
	values map[string][]float64 // by unit: "ns/op", "B/op", "bytes", ...
	units  []string             // in the order first seen
	notes  []string
}

// metric returns the samples of unit.
func (r *result) metric(unit string) []float64 { return r.values[unit] }

func (r run) get(key string) string {
	for _, kv := range r.config {
		if kv.key == key {
			return kv.value
		}
	}
	return ""
}

var (
	// configLine is the benchmark format's "key: value" (keys start
	// lower case and have no spaces or upper case).
	configLine = regexp.MustCompile(`^([a-z][^\s:A-Z]*):\s*(.*?)\s*$`)
	procsSufix = regexp.MustCompile(`-(\d+)$`)
	noteLine   = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
)

// parse reads go test -bench output. Lines it does not know (PASS, ok,
// test logs) are skipped; a benchmark line it cannot read is an error.
func parse(in io.Reader) (*run, error) {
	r := &run{byName: map[string]*result{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var logging *result // the benchmark a "--- BENCH:" block belongs to
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if logging != nil {
			if m := noteLine.FindStringSubmatch(line); m != nil {
				logging.addNote(m[1])
				continue
			}
			if strings.HasPrefix(line, "    ") { // a note's continuation
				continue
			}
			logging = nil
		}
		switch {
		case strings.HasPrefix(line, "--- BENCH: "):
			name, _ := r.trimProcs(strings.TrimSpace(strings.TrimPrefix(line, "--- BENCH: ")))
			logging = r.result(name)
		case strings.HasPrefix(line, "Benchmark"):
			if err := r.addLine(line); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
		default:
			if m := configLine.FindStringSubmatch(line); m != nil && len(r.results) == 0 {
				r.setConfig(m[1], m[2])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(r.results) == 0 {
		return nil, fmt.Errorf("no benchmark results")
	}
	return r, nil
}

func (r *run) setConfig(key, value string) {
	for i, kv := range r.config {
		if kv.key == key {
			r.config[i].value = value
			return
		}
	}
	r.config = append(r.config, keyValue{key, value})
}

// addLine reads "BenchmarkName-N  iterations  value unit  value unit...".
func (r *run) addLine(line string) error {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		if len(f) == 1 {
			return nil // a name alone: go test prints it before a benchmark's log
		}
		return fmt.Errorf("cannot read %q", line)
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return fmt.Errorf("iterations in %q: %w", line, err)
	}
	name, procs := r.trimProcs(f[0])
	if procs > 0 {
		r.procs = procs
	}
	res := r.result(name)
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return fmt.Errorf("value in %q: %w", line, err)
		}
		unit := f[i+1]
		if _, seen := res.values[unit]; !seen {
			res.units = append(res.units, unit)
		}
		res.values[unit] = append(res.values[unit], v)
	}
	return nil
}

func (r *run) trimProcs(name string) (string, int) {
	name = strings.TrimPrefix(name, "Benchmark")
	if m := procsSufix.FindStringSubmatchIndex(name); m != nil {
		n, _ := strconv.Atoi(name[m[2]:m[3]])
		return name[:m[0]], n
	}
	return name, 0
}

// result returns the result called name, adding it if it is new.
func (r *run) result(name string) *result {
	if res, ok := r.byName[name]; ok {
		return res
	}
	res := &result{name: name, values: map[string][]float64{}, keys: map[string]string{}}
	parts := strings.Split(name, "/")
	res.group = parts[0]
	var rest []string
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if ok {
			res.keys[k] = v
		}
		if ok && k == "impl" {
			res.impl = v
			continue
		}
		rest = append(rest, p)
	}
	res.kase = strings.Join(rest, "/")
	r.byName[name] = res
	r.results = append(r.results, res)
	return res
}

func (res *result) addNote(s string) {
	for _, n := range res.notes {
		if n == s {
			return
		}
	}
	res.notes = append(res.notes, s)
}
