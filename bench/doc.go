// Package bench holds wirekit's side-by-side benchmarks: every wirekit
// codec against the peer libraries that do the same job, on the same
// workloads, in the same run.
//
//	go test -run '^$' -bench . -benchmem ./bench
//
// Benchmarks are named workload/op/impl so benchstat can put the
// implementations side by side:
//
//	go test -run '^$' -bench XDR -benchmem -count 10 ./bench > xdr.txt
//	benchstat -col /impl xdr.txt
//
// Peer libraries are imported only from this package's test files.
package bench
