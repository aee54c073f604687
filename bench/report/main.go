// Command report runs wirekit's benchmarks and writes what they say as
// bench/REPORT.md, with the chart bench/chart.svg that README.md shows
// and the raw output bench/REPORT.txt (which benchstat reads too).
//
//	go run ./bench/report           # everything in bench/, 6 runs each (about 9 minutes on 2 vCPUs)
//	go run ./bench/report -short    # BenchmarkSuite only, one short run each (about 25 s)
//	go run ./bench/report -in bench/REPORT.txt   # render again from saved output
//
// The report is a function of the benchmark output alone (the machine,
// the date and the command are written into it as configuration lines),
// so the same output always renders the same files.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	short := flag.Bool("short", false, "run BenchmarkSuite only, once, for 100ms per benchmark")
	bench := flag.String("bench", "", "benchmarks to run (go test -bench); default . or, with -short, ^BenchmarkSuite$")
	count := flag.Int("count", 0, "runs of each benchmark; default 6, or 1 with -short")
	benchtime := flag.String("benchtime", "", "go test -benchtime; default 200ms, or 100ms with -short")
	in := flag.String("in", "", "render from this saved output instead of running the benchmarks")
	dir := flag.String("dir", "", "where to write REPORT.md, REPORT.txt and chart.svg; default the module's bench/")
	flag.Parse()
	if err := mainErr(*short, *bench, *count, *benchtime, *in, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func mainErr(short bool, bench string, count int, benchtime, in, dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if dir == "" {
		dir = filepath.Join(root, "bench")
	}
	var raw []byte
	if in != "" {
		if raw, err = os.ReadFile(in); err != nil {
			return err
		}
	} else {
		mode := "full"
		if short {
			mode = "short"
		}
		raw, err = runBenchmarks(root, mode, pick(bench, short, "^BenchmarkSuite$", "."),
			pick(count, short, 1, 6), pick(benchtime, short, "100ms", "200ms"))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "REPORT.txt"), raw, 0o644); err != nil {
			return err
		}
	}
	return write(raw, dir)
}

// pick returns v, or if it is the zero value the default for the mode.
func pick[T comparable](v T, short bool, ifShort, ifFull T) T {
	var zero T
	switch {
	case v != zero:
		return v
	case short:
		return ifShort
	}
	return ifFull
}

// write renders REPORT.md and chart.svg into dir from raw output.
func write(raw []byte, dir string) error {
	r, err := parse(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var md, svg bytes.Buffer
	render(&md, r, "chart.svg")
	chart(&svg, r)
	if err := os.WriteFile(filepath.Join(dir, "REPORT.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "chart.svg"), svg.Bytes(), 0o644)
}

// runBenchmarks builds the bench package's test binary and runs it count
// times in the package's directory, as go test would, each pass running
// every benchmark once: a noisy minute on the machine then slows one pass
// of every implementation alike, rather than all the runs of one of them
// (go test -count runs a benchmark's runs back to back). It returns the
// passes' output after configuration lines that record what the output
// itself does not: the Go version, the number of CPUs, the date, the
// command.
func runBenchmarks(root, mode, pattern string, count int, benchtime string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "wirekit-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./bench")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go test -c: %w", err)
	}
	args := []string{"-test.run", "^$", "-test.bench", pattern, "-test.benchmem",
		"-test.benchtime", benchtime, "-test.count", "1", "-test.timeout", "60m"}
	version, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION: %w", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "goversion: %s\n", strings.TrimSpace(string(version)))
	fmt.Fprintf(&out, "ncpu: %d\n", runtime.NumCPU())
	fmt.Fprintf(&out, "date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&out, "command: go test -c ./bench; bench.test %s -rotate 0..%d, one pass each\n", shellJoin(args), count-1)
	fmt.Fprintf(&out, "report-mode: %s\n", mode)

	start := time.Now()
	for i := range count {
		// Each pass starts the suite's cases at another implementation
		// (see rotate in bench/suite_test.go).
		pass := append(args[:len(args):len(args)], "-rotate", strconv.Itoa(i))
		fmt.Fprintf(os.Stderr, "pass %d of %d: bench.test %s\n", i+1, count, shellJoin(pass))
		cmd := exec.Command(bin, pass...)
		cmd.Dir = filepath.Join(root, "bench")
		cmd.Stdout = io.MultiWriter(&out, progress{os.Stderr})
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("bench.test, pass %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(os.Stderr, "benchmarks took %s\n", time.Since(start).Round(time.Second))
	return out.Bytes(), nil
}

// progress passes the output on to the terminal as it comes.
type progress struct{ w io.Writer }

func (p progress) Write(b []byte) (int, error) {
	p.w.Write(b)
	return len(b), nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the wirekit repository")
	}
	return filepath.Dir(gomod), nil
}

// shellJoin quotes the arguments a shell would otherwise change.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " $^*?[]'\"\\|&;<>(){}") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
