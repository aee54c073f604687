package xdr_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/xdr"
)

// TestErrorNamesFieldAndOffset is DESIGN.md's example error: a 300-byte
// interpretor where the bound is 255.
func TestErrorNamesFieldAndOffset(t *testing.T) {
	long := strings.Repeat("x", 300)
	// Encoding refuses it...
	_, err := xdr.Marshal(&File{Filename: "sillyprog", Type: &ExecFile{Interpretor: long}})
	want := "xdr: File.Type.Interpretor: string length 300 exceeds max 255 at offset 20"
	if err == nil || err.Error() != want {
		t.Errorf("Marshal err = %v\nwant %s", err, want)
	}
	// ...and so does decoding bytes written without the bound.
	type laxExec struct{ Interpretor string }
	type laxFile struct {
		Filename string
		Kind     int32
		Exec     laxExec
		Owner    string
		Data     []byte
	}
	data, err := xdr.Marshal(&laxFile{Filename: "sillyprog", Kind: 2, Exec: laxExec{long}})
	if err != nil {
		t.Fatal(err)
	}
	err = xdr.Unmarshal(data, new(File))
	if err == nil || err.Error() != want {
		t.Errorf("Unmarshal err = %v\nwant %s", err, want)
	}
	var xe *xdr.Error
	if !errors.As(err, &xe) || xe.Offset != 20 || xe.Path != "File.Type.Interpretor" || !errors.Is(err, xdr.ErrMaxLength) {
		t.Errorf("fields: %+v", xe)
	}
}

func TestErrorPathsThroughArrays(t *testing.T) {
	type Entry struct {
		Name string `xdr:"max=2"`
	}
	type Dir struct {
		Entries []Entry
		Grid    [2][2]FileKind
	}
	_, err := xdr.Marshal(&Dir{Entries: []Entry{{"a"}, {"b"}, {"abc"}}})
	wantErr(t, err, xdr.ErrMaxLength, 20, "Dir.Entries[2].Name")
	_, err = xdr.Marshal(&Dir{Grid: [2][2]FileKind{{0, 1}, {2, 9}}})
	wantErr(t, err, xdr.ErrInvalidEnum, 16, "Dir.Grid[1][1]")
}

func TestUnsupportedTypes(t *testing.T) {
	type withMap struct{ M map[string]int }
	type withInt struct{ N int }
	type withChan struct{ C chan int }
	type withAny struct{ V any }
	type withEmpty struct{ E []struct{} }
	type badTag struct {
		S string `xdr:"maxx=3"`
	}
	type badBound struct {
		N int32 `xdr:"max=3"`
	}
	type deep struct {
		Inner struct{ Items []withInt }
	}
	type withTime struct{ At time.Time }
	tests := []struct {
		v          any
		path, msg  string
		structural bool
	}{
		{&withMap{}, "withMap.M", "map[string]int has no XDR encoding (use a slice of key/value structs)", false},
		{&withInt{}, "withInt.N", "int has no XDR encoding (use int32 or int64)", false},
		{&withChan{}, "withChan.C", "chan int has no XDR encoding", false},
		{&withAny{}, "withAny.V", "interface interface {} is not a registered union (see RegisterUnion)", false},
		{&withEmpty{}, "withEmpty.E", "elements of []struct {} take no bytes; a variable-length array of them is not XDR", false},
		{&badTag{}, "badTag.S", `tag "maxx=3": unknown option "maxx" (want max=N, discriminant or -)`, false},
		{&badBound{}, "badBound.N", "max= bounds strings, opaques and variable-length arrays, not int32", false},
		{&deep{}, "deep.Inner.Items[].N", "int has no XDR encoding (use int32 or int64)", false},
		// All of time.Time is unexported: encoding it as nothing would lose it.
		{&withTime{}, "withTime.At", "time.Time has only unexported fields; XDR cannot encode it", false},
	}
	for _, tt := range tests {
		name := reflect.TypeOf(tt.v).Elem().Name()
		t.Run(name, func(t *testing.T) {
			for op, err := range map[string]error{
				"Marshal":   func() error { _, err := xdr.Marshal(tt.v); return err }(),
				"Unmarshal": xdr.Unmarshal([]byte{0, 0, 0, 0}, tt.v),
			} {
				xe := wantErr(t, err, xdr.ErrUnsupportedType, -1, tt.path)
				if xe.Msg != tt.msg {
					t.Errorf("%s: msg %q, want %q", op, xe.Msg, tt.msg)
				}
			}
		})
	}
}

func TestRegisterUnionMisuse(t *testing.T) {
	type Notinterface struct{}
	type other interface{ isOther() }
	type U2 interface{ isU2() }
	tests := []struct {
		name     string
		register func()
		msg      string
	}{
		{"not an interface", func() { xdr.RegisterUnion[Notinterface](xdr.Case[*TextFile](Text)) }, "is not a named interface type"},
		{"unnamed interface", func() { xdr.RegisterUnion[any](xdr.Case[*TextFile](Text)) }, "is not a named interface type"},
		{"no arms", func() { xdr.RegisterUnion[other]() }, "no arms"},
		{"arm does not implement", func() { xdr.RegisterUnion[other](xdr.Case[*TextFile](Text)) }, "does not implement"},
		{"value used twice", func() {
			xdr.RegisterUnion[FileType](xdr.Case[*TextFile](Text), xdr.Case[*DataFile](Text))
		}, "discriminant 0 selects both"},
		{"shared arm without discriminant field", func() {
			xdr.RegisterUnion[FileType](xdr.Case[*TextFile](Text, Data))
		}, "needs a field tagged"},
		{"default without discriminant field", func() {
			xdr.RegisterUnion[FileType](xdr.Default[*TextFile]())
		}, "needs a field tagged"},
		{"already registered", func() {
			xdr.RegisterUnion[FileType](xdr.Case[*TextFile](Text))
		}, "already registered"},
		{"mixed discriminant types", func() {
			xdr.RegisterUnion[U2](xdr.Case[u2a](int32(0)), xdr.Case[u2b](uint32(1)))
		}, "discriminant is a uint32, other arms use int32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tt.msg) {
					t.Errorf("panic = %v, want one containing %q", r, tt.msg)
				}
			}()
			tt.register()
		})
	}
}

type u2a struct{}
type u2b struct{}

func (u2a) isU2() {}
func (u2b) isU2() {}

// TestConcurrentFirstUse: many goroutines meeting many types for the first
// time at once (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	type A struct{ X []int32 }
	type B struct {
		Y *B
		S string
	}
	type C struct {
		Z [2]Shape
		F Flag
	}
	values := []any{
		&A{X: []int32{1, 2}}, &B{Y: &B{S: "in"}, S: "out"},
		&C{Z: [2]Shape{Circle{1}, NoShape{}}, F: &FlagOff{}}, richValue(),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				v := values[(g+i)%len(values)]
				b, err := xdr.Marshal(v)
				if err != nil {
					errs <- err
					return
				}
				out := reflect.New(reflect.TypeOf(v).Elem())
				if err := xdr.Unmarshal(b, out.Interface()); err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(out.Interface(), v) {
					errs <- fmt.Errorf("%T changed in a round trip", v)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRegisteredAfterFirstUse: a type that failed because its union was not
// yet registered works once it is.
func TestRegisteredAfterFirstUse(t *testing.T) {
	type holder struct{ L Late }
	if _, err := xdr.Marshal(&holder{L: lateArm{}}); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Fatalf("before RegisterUnion: %v", err)
	}
	xdr.RegisterUnion[Late](xdr.Case[lateArm](int32(7)))
	b, err := xdr.Marshal(&holder{L: lateArm{}})
	if err != nil || !bytes.Equal(b, []byte{0, 0, 0, 7}) {
		t.Errorf("after RegisterUnion: %x, %v", b, err)
	}
}

type Late interface{ isLate() }
type lateArm struct{}

func (lateArm) isLate() {}

func ExampleError() {
	var f File
	data := []byte{0, 0, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 9} // filetype 9 does not exist
	err := xdr.Unmarshal(data, &f)
	fmt.Println(err)

	var xe *xdr.Error
	if errors.As(err, &xe) && errors.Is(err, xdr.ErrUnionArm) {
		fmt.Println("field:", xe.Path, "offset:", xe.Offset)
	}
	// Output:
	// xdr: File.Type: union FileType has no arm for discriminant 9 at offset 8
	// field: File.Type offset: 8
}

func ExampleLimits() {
	// A peer sends a linked list 1000 nodes long; the default depth limit
	// (200) refuses it, a larger one accepts it.
	var data []byte
	for i := range 1000 {
		data = append(data, 0, 0, 0, byte(i)) // val
		more := byte(0)
		if i < 999 {
			more = 1
		}
		data = append(data, 0, 0, 0, more) // next?
	}
	var head node
	err := xdr.Unmarshal(data, &head)
	fmt.Println(errors.Is(err, xdr.ErrDepth))

	lim := xdr.Limits{MaxDepth: 1000}
	fmt.Println(lim.Unmarshal(data, &head))
	// Output:
	// true
	// <nil>
}
