// Package alloc measures heap allocation, for the tests that hold
// decoders to an allocation budget.
package alloc

import "runtime"

// PerCall returns the bytes f allocates per call, averaged over runs calls
// after one call that warms caches (compiled codecs, pools).
func PerCall(runs int, f func()) uint64 {
	f()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// Least returns the bytes f allocates in one call, the least of three, so
// that a stray background allocation does not count. ReadMemStats
// flushes every cache, so the count is exact.
func Least(f func()) uint64 {
	least := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}
