// Package gen writes Go code from .x files parsed by xdr/idl: wirekit's
// rpcgen. wirectl gen is its command line.
//
//	spec, err := idl.Load("square.x")
//	files, err := gen.Generate(spec, gen.Options{Package: "square"})
//	// files[0].Name == "square_xdr.go"
//
// For square.x (seed 003) it writes
//
//	type SquareIn struct{ Arg1 int32 }
//	type SquareOut struct{ Res1 int32 }
//	const (
//		SQUARE_PROG = 0x31230000
//		SQUARE_VERS = 1
//		SQUAREPROC  = 1 // square_out SQUAREPROC(square_in)
//	)
//
// and, for every type, MarshalXDR and UnmarshalXDR (the xdr package's
// Marshaler and Unmarshaler, so xdr.Marshal and xdr.NewDecoder use them)
// and MarshalBinary, AppendBinary and UnmarshalBinary, which use no
// reflection: AppendBinary into a buffer with room allocates nothing.
//
// # Mapping
//
//	.x                              Go
//	const N = 5;                    const N = 5
//	enum color { RED = 1, ... };    type Color int32; const RED Color = 1; String, Valid
//	struct s { ... };               type S struct{ ... }, members in order
//	typedef string name<16>;        type Name string (the bound is checked both ways)
//	typedef opaque hash[32];        type Hash [32]byte
//	typedef node *list;             type List = *Node (an alias: Go has no methods on pointers)
//	union u switch (kind k) {...};  type U interface{ isU() }, one type per arm (UWhy, UBLUE, UDefault)
//	T x<n>, T x[n], T *x            []T, [n]T, *T (an optional union is the interface, nil when absent)
//	int, unsigned, hyper, ...       int32, uint32, int64, uint64, float32, float64, bool, xdr.Quadruple
//	program/version/procedure       constants
//
// Names in capitals are kept (NFS_OK); others are camel-cased at
// underscores (square_in → SquareIn). A member called type becomes Type;
// errors and JSON keep the .x names. A union arm type is named after the
// union and its member (FiletypeInterpretor), or after its case label when
// it is void (FiletypeTEXT). An arm shared by several case values, and the
// default arm, hold the discriminant in a field of their own, which
// encoding checks against the arm's cases.
//
// # Safety
//
// The generated code returns errors, never panics: every bound, the enum
// values, bool values, padding and the union discriminants are checked in
// both directions. Decoding reads values in place (xdr.Decoder's Peek)
// when they are there and plainly valid, and otherwise through the
// Decoder's primitives, which decide; so it has the xdr package's limits
// (MaxDepth for optional-data, arrays and unions; MaxElements; allocation
// in proportion to the input) and errors either way. Errors name the path
// by .x names and the byte offset:
//
//	xdr: file.type.interpretor: string length 300 exceeds max 255 at offset 20
package gen
