package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// What the report says about the benchmarks it knows; a benchmark it does
// not know still gets a table, under its own name.
var groupDocs = map[string]string{
	"XDR": "wirekit's XDR codecs (reflection, and the code xdr/gen writes) against davecgh/go-xdr and " +
		"stellar/go-xdr, decoding into a reused value as go_serialization_benchmarks does. " +
		"Marshal returns a fresh encoding (the peers write into a new bytes.Buffer); " +
		"MarshalAppend encodes into a buffer reused across iterations (the peers: a bytes.Buffer they Reset).",
	"MarshalCodecs": "What package marshal costs over calling each library directly with the same options " +
		"(impl=direct), including its checks of hostile input; Decode is per value of a 256-value stream.",
	"DeepCopy": "graph.DeepCopy against huandu/go-clone (Clone assumes no cycles, Slowly is cycle-safe) and " +
		"mohae/deepcopy, on a 341-node tree and on a 500-node cyclic graph, which only the cycle-safe ones can copy.",
	"GraphSerialize": "graph's Marshal plus Unmarshal against encoding/gob on a 341-node tree; " +
		"gob-stream is gob on a long-lived stream, which sends type descriptions once.",
	"FramingRead": "Reading frames from an endless in-memory stream against libp2p/go-msgio, and against " +
		"a bare io.ReadFull of header and payload into buffers allocated once (readfull).",
	"FramingWrite": "Writing frames to io.Discard against libp2p/go-msgio.",
	"Sqtime": "The sqrt call over one loopback connection with N callers at once, against net/rpc (gob) " +
		"serving the same function; time/op is wall time per call, all callers together.",
	"StoreInsert":     "Durable inserts (fsync, group commit) from N clients at once; time/op is wall time per insert.",
	"StoreSearch":     "A range query selecting 10 of 100,000 documents, on an indexed field and by full scan.",
	"StoreReplicated": "Durable inserts from 16 clients: the single-node server, a one-member raft cluster, and three raft nodes on 127.0.0.1 (a majority fsyncs the log before the ok).",
}

var groupOrder = []string{"XDR", "MarshalCodecs", "DeepCopy", "GraphSerialize", "FramingRead",
	"FramingWrite", "Sqtime", "StoreInsert", "StoreSearch", "StoreReplicated"}

var workloadDocs = map[string]string{
	"SmallStruct": "go_serialization_benchmarks' SmallStruct: two strings, an int64, an int32, a bool, a float64.",
	"Nested": "testdata/xdr/gen/bench.x's twenty-member message: an enum, fixed and variable arrays and opaques, " +
		"optionals, a union and a nested array of structs. XDR encodes the union as a union; " +
		"the other formats carry it as a struct with one pointer per arm.",
	"Payload1MiB": "A 1 MiB opaque (random bytes) behind a uint64 and a short string.",
	"Graph": "A tree of 341 structs with strings, slices and maps in which each of the 85 inner nodes also " +
		"points at a random leaf: shared pointers, no cycles (XDR has no maps: not carried). " +
		"RoundTrip is Marshal then Unmarshal, or one deep copy.",
}

// implDocs says what each impl of BenchmarkSuite is.
var implDocs = []keyValue{
	{"wirekit-json", "marshal.Lookup(\"json\"): encoding/json behind wirekit's limit checks"},
	{"wirekit-gob", "marshal.Lookup(\"gob\"): encoding/gob behind wirekit's checks"},
	{"wirekit-msgpack", "marshal.Lookup(\"msgpack\"): vmihailenco/msgpack behind wirekit's checks"},
	{"wirekit-cbor", "marshal.Lookup(\"cbor\"): fxamacker/cbor with wirekit's limits"},
	{"wirekit-xdr", "marshal.Lookup(\"xdr\"): package xdr, by reflection"},
	{"wirekit-xdr-gen", "the code xdr/gen writes from bench.x: no reflection"},
	{"wirekit-graph", "marshal.Lookup(\"graph\"): package graph in Graph mode (shared pointers kept)"},
	{"wirekit-deepcopy", "graph.DeepCopy"},
	{"json", "encoding/json, called directly"},
	{"gob", "encoding/gob, called directly"},
	{"msgpack", "github.com/vmihailenco/msgpack/v5, called directly"},
	{"cbor", "github.com/fxamacker/cbor/v2, called directly with marshal's options"},
	{"davecgh", "github.com/davecgh/go-xdr"},
	{"stellar", "github.com/stellar/go-xdr"},
	{"goclone", "github.com/huandu/go-clone Clone (assumes no cycles)"},
	{"goclone-slowly", "github.com/huandu/go-clone Slowly (cycle-safe)"},
	{"mohae", "github.com/mohae/deepcopy"},
}

const timeUnit = "ns/op"

func isWirekit(impl string) bool { return strings.HasPrefix(impl, "wirekit") }

// A row is one implementation of one case, with the comparison the
// report makes for it.
type row struct {
	res   *result
	time  summary
	lossy bool
	// peer is the fastest peer of the case, nil if there is none; versus
	// the peer a wirekit implementation answers to: the library it wraps
	// (wirekit-json: json) if the case has it, else the fastest peer.
	peer, versus *row
	wraps        bool // versus is the library the row wraps
}

// A table is one case's rows: one workload and op of the suite, or one
// case of another benchmark.
type table struct {
	group, kase string
	rows        []*row
}

// tables groups the results of group by case, in the order the cases
// first appear, each table's rows fastest first.
func (r *run) tables(group string) []*table {
	var out []*table
	byCase := map[string]*table{}
	for _, res := range r.results {
		if res.group != group || len(res.metric(timeUnit)) == 0 {
			continue
		}
		t := byCase[res.kase]
		if t == nil {
			t = &table{group: group, kase: res.kase}
			byCase[res.kase] = t
			out = append(out, t)
		}
		lossy := slices.ContainsFunc(res.metric("lossy"), func(v float64) bool { return v != 0 })
		t.rows = append(t.rows, &row{res: res, time: summarize(res.metric(timeUnit)), lossy: lossy})
	}
	for _, t := range out {
		slices.SortStableFunc(t.rows, func(a, b *row) int {
			if c := cmpFloat(a.time.center, b.time.center); c != 0 {
				return c
			}
			return strings.Compare(a.res.impl, b.res.impl)
		})
		var fastest *row
		byImpl := map[string]*row{}
		for _, rw := range t.rows {
			byImpl[rw.res.impl] = rw
			if !isWirekit(rw.res.impl) && rw.res.impl != "" && fastest == nil {
				fastest = rw
			}
		}
		hasOurs := slices.ContainsFunc(t.rows, func(rw *row) bool { return isWirekit(rw.res.impl) })
		if !hasOurs {
			continue // nothing of wirekit's against a peer (index vs scan)
		}
		for _, rw := range t.rows {
			rw.peer, rw.versus = fastest, fastest
			// The library a wrapper wraps: json for wirekit-json in the
			// suite, direct for wirekit in BenchmarkMarshalCodecs.
			lib, ok := strings.CutPrefix(rw.res.impl, "wirekit-")
			if rw.res.impl == "wirekit" {
				lib, ok = "direct", true
			}
			if ok && byImpl[lib] != nil && !isWirekit(lib) {
				rw.versus, rw.wraps = byImpl[lib], true
			}
		}
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// comparison is a row's time over another's, and whether the difference
// is significant: by the U test when both have at least minUTest samples,
// else by being more than 5% either way.
type comparison struct {
	ratio       float64
	significant bool
	p           float64 // -1 when not tested
}

func compare(a, b *row) comparison {
	c := comparison{ratio: a.time.center / b.time.center, p: -1}
	if a.time.n >= minUTest && b.time.n >= minUTest {
		c.p = uTest(a.res.metric(timeUnit), b.res.metric(timeUnit))
		c.significant = c.p < alpha
	} else {
		c.significant = math.Abs(c.ratio-1) > 0.05
	}
	return c
}

// render writes REPORT.md for r. chart is the chart's file name relative
// to the report, "" for none.
func render(w io.Writer, r *run, chart string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# wirekit benchmarks\n\n")
	p("Written by `go run ./bench/report%s` from the run below; do not edit it by hand. ", flagIf(r.get("report-mode") == "short", " -short"))
	p("The raw output is `bench/REPORT.txt` (benchstat reads it; `go run ./bench/report -in bench/REPORT.txt` renders this file again from it).\n\n")
	p("| | |\n|---|---|\n")
	if c := r.get("command"); c != "" {
		p("| command | `%s` |\n", c)
	}
	if r.get("report-mode") == "short" {
		p("| mode | **-short**: the suite only, one short run of each benchmark: a quick look, not a measurement |\n")
	} else {
		p("| mode | full: %d runs of each benchmark |\n", runsOf(r))
	}
	cpus := r.get("ncpu")
	if r.procs > 0 {
		cpus = strings.TrimSpace(fmt.Sprintf("%s (GOMAXPROCS %d)", cpus, r.procs))
	}
	goosArch := ""
	if r.get("goos") != "" {
		goosArch = r.get("goos") + "/" + r.get("goarch")
	}
	for _, kv := range []keyValue{{"date", r.get("date")}, {"cpu", r.get("cpu")},
		{"GOOS/GOARCH", goosArch}, {"CPUs", cpus}, {"Go", r.get("goversion")}} {
		if kv.value != "" {
			p("| %s | %s |\n", kv.key, kv.value)
		}
	}
	p("\n")

	suite := r.tables("Suite")
	if chart != "" && len(suite) > 0 {
		p("![Time per operation of each implementation, by workload and operation](%s)\n\n", chart)
	}

	var all []*table
	all = append(all, suite...)
	for _, g := range groups(r) {
		all = append(all, r.tables(g)...)
	}
	p("## Where wirekit is slower\n\n")
	p("Every case in this run where a wirekit implementation took longer than the peer it answers to: ")
	p("a wrapper (wirekit-json, -gob, -msgpack, -cbor in the suite, wirekit against direct in BenchmarkMarshalCodecs) answers to the library it wraps, ")
	p("everything else to the fastest peer of the case, whatever its format. ")
	if runsOf(r) >= minUTest {
		p("Listed when the Mann-Whitney U test gives p < %.2f.\n\n", alpha)
	} else {
		p("With fewer than %d runs per benchmark there is no significance test: listed when slower by more than 5%%.\n\n", minUTest)
	}
	slower := 0
	for _, t := range all {
		for _, rw := range t.rows {
			if !isWirekit(rw.res.impl) || rw.versus == nil {
				continue
			}
			c := compare(rw, rw.versus)
			if c.ratio <= 1 || !c.significant {
				continue
			}
			slower++
			how := "the fastest peer"
			if rw.wraps {
				how = "the library it wraps"
			}
			p("- %s, %s: %s takes %s the time of %s%s, %s (%s vs %s%s)\n", groupTitle(t.group), caseTitle(t.kase),
				rw.res.impl, fmtRatio(c.ratio), rw.versus.res.impl, lossMark(rw.versus), how,
				fmtTime(rw.time.center), fmtTime(rw.versus.time.center), fmtP(c))
		}
	}
	if slower == 0 {
		p("Nowhere in this run.\n")
	}
	p("\n")

	if lost := lossList(r); len(lost) > 0 {
		p("## What round trips lose\n\n")
		p("Each benchmark of the suite first compares a round trip's result with its input; these came back different ")
		p("(their rows are marked ⚠; `go test -run TestSuiteRoundTrips -v ./bench` lists the same):\n\n")
		for _, l := range lost {
			p("- %s\n", l)
		}
		p("\n")
	}

	p("## Reading the tables\n\n")
	p("time/op is the median over the runs; ")
	if runsOf(r) > 1 {
		p("± is the 95%% confidence interval of the median as benchstat computes it, or, marked r, the range of the samples ")
		p("when there are too few runs for one (fewer than 6); ")
	}
	p("B/op and allocs/op are the median allocation per operation. ")
	p("\"vs peer\" is the time over the fastest peer's in the same case (below 1.00x is faster than every peer)%s. ", sigNote(r))
	p("Peers are the implementations whose names do not start with wirekit; wirekit's are in bold.\n\n")

	if len(suite) > 0 {
		p("## The suite\n\n")
		p("`BenchmarkSuite/workload=W/op=O/impl=I` (bench/suite_test.go): every workload through every format that can carry it ")
		p("and through the peer libraries that do the same job. Marshal returns a new slice, Unmarshal decodes into a new value; ")
		p("\"encoded\" is the encoding's size in bytes.\n\n")
		p("| impl | what it is |\n|---|---|\n")
		for _, d := range implDocs {
			p("| %s | %s |\n", d.key, d.value)
		}
		p("\n")
		workload := ""
		for _, t := range suite {
			res := t.rows[0].res
			if name := res.keys["workload"]; name != workload {
				workload = name
				p("### %s\n\n", name)
				if d := workloadDocs[name]; d != "" {
					p("%s\n\n", d)
				}
			}
			p("**%s**\n\n", res.keys["op"])
			writeTable(w, t)
		}
	}

	if gs := groups(r); len(gs) > 0 {
		p("## Other benchmarks\n\n")
		p("The per-package benchmarks, in tables of the same kind.\n\n")
		for _, g := range gs {
			p("### %s\n\n", groupTitle(g))
			if d := groupDocs[g]; d != "" {
				p("%s\n\n", d)
			}
			for _, t := range r.tables(g) {
				if t.kase != "" {
					p("**%s**\n\n", caseTitle(t.kase))
				}
				writeTable(w, t)
			}
		}
	}
}

// groups returns the groups other than the suite: the known ones in
// their order, then any others in the order they ran.
func groups(r *run) []string {
	var seen []string
	for _, res := range r.results {
		if res.group != "Suite" && !slices.Contains(seen, res.group) {
			seen = append(seen, res.group)
		}
	}
	var out []string
	for _, g := range groupOrder {
		if slices.Contains(seen, g) {
			out = append(out, g)
		}
	}
	for _, g := range seen {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

func writeTable(w io.Writer, t *table) {
	// Columns: the standard units, then whatever else the benchmarks
	// reported, in the order first seen.
	var extra []string
	for _, rw := range t.rows {
		for _, u := range rw.res.units {
			switch u {
			case timeUnit, "B/op", "allocs/op", "lossy":
				continue
			}
			if !slices.Contains(extra, u) {
				extra = append(extra, u)
			}
		}
	}
	compared := slices.ContainsFunc(t.rows, func(rw *row) bool { return rw.peer != nil })
	spread := slices.ContainsFunc(t.rows, func(rw *row) bool { return rw.time.n > 1 })
	head := []string{"impl", "time/op"}
	if spread {
		head = append(head, "±")
	}
	head = append(head, "B/op", "allocs/op")
	for _, u := range extra {
		head = append(head, unitTitle(u))
	}
	if compared {
		head = append(head, "vs peer")
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, rw := range t.rows {
		name := rw.res.impl
		if name == "" {
			name = rw.res.name
		}
		if isWirekit(name) {
			name = "**" + name + "**"
		}
		if rw.lossy {
			name += " ⚠ loses data"
		}
		cells := []string{name, fmtTime(rw.time.center)}
		if spread {
			cells = append(cells, fmtSpread(rw.time))
		}
		cells = append(cells, fmtMetric(rw.res, "B/op"), fmtMetric(rw.res, "allocs/op"))
		for _, u := range extra {
			cells = append(cells, fmtMetric(rw.res, u))
		}
		if compared {
			cell := ""
			if rw.peer == rw {
				cell = "1.00x"
			} else if rw.peer != nil {
				c := compare(rw, rw.peer)
				cell = fmtRatio(c.ratio)
				if c.p >= 0 && !c.significant {
					cell += " ~"
				}
			}
			cells = append(cells, cell)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
}

// lossList is what each lossy implementation lost, from the notes the
// suite logs: "Graph: json, gob: shared nodes come back as copies (...)".
func lossList(r *run) []string {
	type loss struct {
		workload, what string
		impls          []string
	}
	var out []*loss
	for _, res := range r.results {
		if res.group != "Suite" {
			continue
		}
		for _, n := range res.notes {
			what, ok := strings.CutPrefix(n, "loses data: ")
			if !ok {
				continue
			}
			i := slices.IndexFunc(out, func(l *loss) bool { return l.workload == res.keys["workload"] && l.what == what })
			if i < 0 {
				out = append(out, &loss{workload: res.keys["workload"], what: what})
				i = len(out) - 1
			}
			if !slices.Contains(out[i].impls, res.impl) {
				out[i].impls = append(out[i].impls, res.impl)
			}
		}
	}
	var lines []string
	for _, l := range out {
		lines = append(lines, fmt.Sprintf("%s: %s: %s", l.workload, strings.Join(l.impls, ", "), l.what))
	}
	return lines
}

func groupTitle(g string) string {
	if g == "Suite" {
		return "Suite"
	}
	return "Benchmark" + g
}

// caseTitle turns "workload=Graph/op=Marshal" into "Graph Marshal" and
// "size=16/kind=be32" into "size=16, kind=be32".
func caseTitle(kase string) string {
	parts := strings.Split(kase, "/")
	for i, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok && (k == "workload" || k == "op") {
			parts[i] = v
		}
	}
	return strings.Join(parts, ", ")
}

func unitTitle(u string) string {
	if u == "bytes" {
		return "encoded"
	}
	return u
}

func runsOf(r *run) int {
	most := 0
	for _, res := range r.results {
		most = max(most, len(res.metric(timeUnit)))
	}
	return most
}

func sigNote(r *run) string {
	if runsOf(r) >= minUTest {
		return "; \"~\" marks a difference that the Mann-Whitney U test does not find significant (p ≥ 0.05)"
	}
	return ""
}

func lossMark(rw *row) string {
	if rw.lossy {
		return " ⚠"
	}
	return ""
}

func flagIf(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

func fmtP(c comparison) string {
	if c.p < 0 {
		return ""
	}
	return fmt.Sprintf(", p=%.3f", c.p)
}

func fmtRatio(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) + "x" }

// fmtSpread is the ± column: the confidence interval's half-width as a
// percentage, or, marked "r", the range's.
func fmtSpread(s summary) string {
	if s.n < 2 {
		return ""
	}
	pct := strconv.FormatFloat(100*s.spread(), 'f', 0, 64) + "%"
	if !s.exact {
		return pct + " r"
	}
	return pct
}

// fmtTime writes nanoseconds with three significant digits and a unit.
func fmtTime(ns float64) string {
	return scaled(ns, 1000, []string{"ns", "µs", "ms", "s"})
}

func fmtMetric(res *result, unit string) string {
	xs := res.metric(unit)
	if len(xs) == 0 {
		return ""
	}
	v := summarize(xs).center
	switch unit {
	case "B/op":
		return scaled(v, 1024, []string{"B", "KiB", "MiB", "GiB"})
	case "allocs/op", "bytes":
		return groupThousands(math.Round(v))
	}
	if v >= 10000 {
		return scaled(v, 1000, []string{"", "k", "M", "G"})
	}
	return sig3(v)
}

// scaled divides v by step until it is below step and formats it with
// three significant digits and the unit it ended at.
func scaled(v, step float64, units []string) string {
	i := 0
	for i < len(units)-1 && math.Abs(v) >= step {
		v /= step
		i++
	}
	s := sig3(v)
	if f, _ := strconv.ParseFloat(s, 64); f >= step && i < len(units)-1 {
		v /= step
		i++
		s = sig3(v)
	}
	switch units[i] {
	case "":
		return s
	case "k", "M", "G":
		return s + units[i]
	}
	if units[i] == "B" {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " B"
	}
	return s + " " + units[i]
}

func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func groupThousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
