// Package bench holds wirekit's side-by-side benchmarks: every wirekit
// codec against the peer libraries that do the same job, on the same
// workloads, in the same run.
//
//	go test -run '^$' -bench . -benchmem ./bench
//
// BenchmarkSuite is the cross-format comparison: SmallStruct, a nested
// message, a 1 MiB payload and a pointer-rich graph through json, gob,
// msgpack, cbor, xdr (reflection and generated) and graph, each wrapped
// library also called directly, and the XDR and deep-copy peers; every
// round trip is checked before it is timed. The other benchmarks are each
// package's own: BenchmarkXDR, BenchmarkMarshalCodecs, BenchmarkDeepCopy,
// BenchmarkGraphSerialize, BenchmarkFramingRead and -Write,
// BenchmarkSqtime, BenchmarkStoreInsert and -Search, and
// BenchmarkStoreReplicated (the store on one raft node and on three).
//
// Benchmarks are named workload/op/impl so benchstat can put the
// implementations side by side:
//
//	go test -run '^$' -bench XDR -benchmem -count 10 ./bench > xdr.txt
//	benchstat -col /impl xdr.txt
//
// The command in bench/report runs them and writes bench/REPORT.md (the
// tables, and where wirekit is slower than a peer) and bench/chart.svg:
//
//	go run ./bench/report -short   # the suite, one short run each: under a minute
//	go run ./bench/report          # everything, 6 runs each: under 10 minutes on 2 CPUs
//
// It runs the benchmarks in passes, each pass every benchmark once, so
// that a noisy minute slows every implementation of a case alike, and
// each pass starts the suite's cases at another implementation
// (-rotate), since the first to run after a smaller workload runs slower.
//
// Peer libraries are imported only from this package's test files.
package bench
