// Package fuzz holds wirekit's fuzz targets, one or more for every decoder,
// with seed corpora under testdata/fuzz. Each target checks more than "no
// panic": errors are of the documented types, memory stays within a
// multiple of the input, and whatever decodes re-encodes.
//
//	go test ./fuzz                                   # the seeds, as regression tests
//	go test ./fuzz -run '^$' -fuzz FuzzXDRUnmarshal  # explore
package fuzz
