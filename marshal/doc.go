// Package marshal puts six wire formats behind one API, so that switching
// formats is a one-word change, and makes every one of them safe to point
// at hostile input.
//
//	c, _ := marshal.Lookup("msgpack")        // json, gob, msgpack, cbor, xdr, graph
//	b, err := c.Marshal(order)
//	err = c.Unmarshal(b, &order)
//	dec := c.NewDecoder(conn)                // a stream of values
//	err = dec.Decode(&order)
//	name, ok := marshal.Detect(capture)      // which format is this?
//	fmt.Print(marshal.Dump(order))           // a stable, readable dump
//
// # Codecs
//
//	json     encoding/json
//	gob      encoding/gob; a stream sends each type once
//	msgpack  github.com/vmihailenco/msgpack/v5
//	cbor     github.com/fxamacker/cbor/v2; times as RFC 3339 text with
//	         nanoseconds (tag 0); a stream is a CBOR sequence (RFC 8742)
//	xdr      package xdr (RFC 4506); not self-describing
//	graph    package graph in Graph mode (shared and cyclic pointers);
//	         a stream frames each value with a uvarint length. As in
//	         package graph, a pointer passed to Marshal is itself written
//	         as a reference, so Marshal(p) pairs with Unmarshal(b, &p)
//	         and Marshal(x) with Unmarshal(b, &x); the other codecs
//	         write Marshal(&x) and Marshal(x) alike.
//
// # What each codec carries
//
// The round-trip suite in package fuzz (randomized with gofuzz, fixed
// seeds) establishes this table; "in" means values of the type come back
// equal, "out" that Marshal fails with an *Error.
//
//	type                         json  gob  msgpack  cbor  xdr  graph
//	bool, string, []byte         in    in   in       in    in   in
//	int32, int64, uint32, uint64 in    in   in       in    in   in
//	int, int8, int16, uint...    in    in   in       in    out  in
//	float32, float64             in    in   in       in    in   in
//	NaN, ±Inf                    out   in   in       in    in   in
//	structs, slices, arrays      in    in   in       in    in   in
//	maps                         in    in   in       in    out  in
//	pointers                     in    in   in       in    in   in
//	time.Time                    in    in   in       in    out  in
//
// Where "equal" bends: JSON, MessagePack and CBOR have one null, so a
// pointer to a nil pointer comes back nil; gob, XDR and graph return an
// empty slice as nil, and gob leaves zero values out of structs (a pointer
// to 0 comes back nil, -0 comes back 0, a nil map comes back empty);
// MessagePack returns times in time.Local; CBOR returns every NaN as the
// same NaN. CBOR writes times as RFC 3339 text, whose years have four
// digits: a time outside the years 0 to 9999 (which tag 1 input can
// carry) decodes but does not encode again.
//
// Decoded into an empty interface, MessagePack maps with string keys come
// back as map[string]any and other maps as map[any]any (the library alone
// fails on integer keys); a key Go cannot hash (an array, a map, a byte
// string) is an error, as it is into a map[any]any.
//
// # Limits
//
// Limits bound depth, element counts and bytes, with defaults, and every
// codec enforces them, including where the wrapped library has no such
// option or trusts what the input declares:
//
//   - msgpack: the library preallocates what a header announces (the five
//     bytes dd ff ff ff ff decoded into []int64 ask it for 32 GiB) and
//     recurses without limit. The codec walks each value first, on an
//     explicit stack, checking that every length fits in the input that
//     is left and that nesting and counts are within the limits; the
//     library only ever sees bytes that passed. One more hole: decoding
//     an extension into a Go map, the library reads a map from the
//     extension's payload, which the walk treats as opaque; when the
//     destination has a map in it, payloads that start with a map header
//     are walked as maps too (and refused if they are not sound ones,
//     even where the library would have read them as something else).
//   - json: encoding/json checks the grammar and stops at 10,000 levels
//     but has no element or size limit, and its Decoder buffers a value of
//     any size. A scanner checks the bytes first, but only where a limit
//     could break: bytes whose count of brackets (for depth), of commas
//     (for elements) and whose length (for size) keep within the limits
//     pass unscanned, so input well within them, the usual case, costs a
//     few byte counts.
//   - cbor: the limits map onto the library's DecOptions (MaxNestedLevels,
//     MaxArrayElements, MaxMapPairs); a limit below the range of those
//     options (4 levels, 16 elements) is enforced by the codec's own
//     scanner, and one above it (65535 levels) is held to the top. A
//     Decoder lets the library delimit and decode a value that is whole
//     in its buffer, and has the scanner delimit, within MaxBytes, one
//     that is still arriving; nesting is counted as the library counts it
//     either way.
//   - gob: encoding/gob sizes a map from the count in the input and
//     decodes recursive types by recursion. The codec follows the stream's
//     type definitions and walks every value against them before gob
//     reads it.
//   - xdr and graph: the packages' own Limits, which have the same fields.
//
// What counts as one level of nesting follows each format: arrays and
// objects in JSON; arrays and maps in MessagePack; arrays, maps and tags
// in CBOR; structs, slices, arrays, maps and interface values in gob;
// optional-data, variable-length arrays and unions in XDR; unfinished
// containers in graph (a linked list takes constant depth). Elements are
// counted per array or map, pairs for a map.
//
// A Decoder reads from its reader only as bytes arrive and buffers at most
// MaxBytes for one value, however long a length the input declares.
//
// # Errors
//
// Errors about input are *Error values naming the codec, the byte offset
// (in the stream, for a Decoder) and what was wrong; errors.Is matches the
// sentinels (ErrDepth, ErrElements, ErrTooLarge, ErrMalformed,
// ErrTrailingData, io.ErrUnexpectedEOF) whichever codec found the
// problem, and errors.As still finds the library's own error (a
// *json.SyntaxError, an *xdr.Error, ...).
package marshal
