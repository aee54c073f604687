// Package graph copies Go values and serializes object graphs: seed 004's
// shallow copy, deep copy, and cycle-safe serialization with object ids.
//
//	copy := graph.DeepCopy(tree)               // cycles and sharing kept
//	data, err := graph.Marshal(head, graph.Graph)
//	var back *Node
//	err = graph.Unmarshal(data, &back, graph.Graph)
//
// # Wire format
//
// Scalars and strings are XDR (RFC 4506): a 4-byte int, unsigned int or
// bool, an 8-byte hyper for int, int64, uint and uint64, IEEE floats, strings
// and []byte as a length and zero-padded bytes. A struct is its exported
// fields in order (`graph:"-"` leaves one out); an array its elements; a
// slice a count and its elements (slices are values: written where they
// are, an empty slice decodes as nil). A type that implements
// encoding.BinaryMarshaler and BinaryUnmarshaler, such as time.Time, is its
// MarshalBinary bytes.
//
// Pointers and maps are references, and are written as the Mode says.
// For the seed's list 5→7→3→9 (type L struct{ Val int32; Nxt *L }), each
// number a 4-byte XDR int:
//
//	Shallow of the head (a value)          5 0
//	Shallow of a pointer to the head       1 5 0
//	Tree of a pointer to the head          1 5 1 7 1 3 1 9 0
//	Graph of a pointer to the head         1 5 2 7 3 3 4 9 0
//	... with 9's Nxt back at the head      1 5 2 7 3 3 4 9 1
//
// Shallow writes every pointer and map inside the value as nil (0). Tree
// writes them as XDR optional-data: 1 and what they refer to, or 0; an
// object reachable twice is written twice, and a cycle is ErrCycle. Graph
// writes an id: 0 for nil; the first reference to an object gives it the
// next id (1, 2, 3, ...) and writes the object after it; later references
// write the id alone. The reader registers an object before reading it, so
// references back, cycles included, resolve; an id past the next unassigned
// one, or naming an object of another type, is ErrBadID. A map is a count
// and its key/value pairs, ordered by the encoding of their keys when the
// keys are numbers, strings or bools, so the same value always encodes to
// the same bytes.
//
// An interface value is the name its dynamic type was registered under
// (Register), as an XDR string ("" for nil), then the value. A stream can
// only ever produce types registered in the program.
//
// # Hostile input
//
// Unmarshal never panics and never recurses: it works from an explicit
// stack, so depth costs memory, not Go stack, and Limits.MaxDepth bounds it.
// Counts are checked against the input left before anything is allocated;
// every object needs an id or a flag in the input, so memory stays within a
// multiple of the input. Errors are *Error with the byte offset.
//
// # Copies
//
// DeepCopy copies everything reachable, unexported fields included, keeps
// sharing and cycles, and bounds its stack however deep the value; see its
// documentation for what it shares (channels, funcs) and what it resets
// (sync locks). ShallowCopy copies the top level only.
package graph
