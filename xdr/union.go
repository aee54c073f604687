package xdr

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"unsafe"
)

// A discriminated union is a Go interface type with one Go type per arm,
// the way protobuf's oneof fields are: the interface value holds exactly one
// arm, so the wrong arm cannot be read by mistake. RegisterUnion tells the
// codec which discriminant selects which arm:
//
//	union filetype switch (filekind kind) {    type FileType interface{ isFileType() }
//	case TEXT: void;                            type TextFile struct{}
//	case DATA: string creator<MAXNAMELEN>;      type DataFile struct{ Creator string `xdr:"max=255"` }
//	case EXEC: string interpretor<MAXNAMELEN>;  type ExecFile struct{ Interpretor string `xdr:"max=255"` }
//	};
//
//	xdr.RegisterUnion[FileType](
//		xdr.Case[*TextFile](Text),
//		xdr.Case[*DataFile](Data),
//		xdr.Case[*ExecFile](Exec))
//
// An arm's Go type is encoded as the arm's body; a pointer arm type (*S)
// encodes S, and is the cheaper choice: decoding allocates only the S. An
// arm type that serves several discriminant values, and the Default arm,
// keep the value in a field tagged `xdr:"discriminant"`, which is not part
// of the body.

// Discriminant is the type of a union's discriminant: an int, unsigned int,
// enum or bool.
type Discriminant interface {
	~int32 | ~uint32 | ~bool
}

// An Arm is one arm of a union, made by Case or Default for RegisterUnion.
type Arm struct {
	typ      reflect.Type
	values   []uint32
	def      bool
	discKind reflect.Kind // kind of D; Invalid for Default
}

// Case declares T as the arm for the discriminant values listed; an arm
// type for more than one value needs a field tagged `xdr:"discriminant"`.
func Case[T any, D Discriminant](values ...D) Arm {
	a := Arm{typ: reflect.TypeFor[T](), discKind: reflect.TypeFor[D]().Kind()}
	for _, v := range values {
		a.values = append(a.values, discBits(reflect.ValueOf(v)))
	}
	return a
}

// Default declares T as the arm for every discriminant value no Case names.
// T needs a field tagged `xdr:"discriminant"` that holds the value.
func Default[T any]() Arm {
	return Arm{typ: reflect.TypeFor[T](), def: true}
}

func discBits(v reflect.Value) uint32 {
	switch v.Kind() {
	case reflect.Int32:
		return uint32(v.Int())
	case reflect.Uint32:
		return uint32(v.Uint())
	case reflect.Bool:
		if v.Bool() {
			return 1
		}
	}
	return 0
}

type unionSpec struct {
	arms     []Arm
	discKind reflect.Kind
}

var unions sync.Map // reflect.Type of the interface → *unionSpec

// RegisterUnion declares the named interface type U as an XDR discriminated
// union with the given arms. Call it from an init function, before the
// first Marshal or Unmarshal of a type that contains U. Like other Go
// registration functions it panics on a malformed declaration: U not an
// interface, an arm type that does not implement U, a discriminant value
// used twice, two defaults, or a shared or default arm without a
// discriminant field.
func RegisterUnion[U any](arms ...Arm) {
	t := reflect.TypeFor[U]()
	spec := &unionSpec{arms: arms}
	if err := spec.check(t); err != nil {
		panic(fmt.Sprintf("xdr: RegisterUnion[%s]: %v", t, err))
	}
	if _, dup := unions.LoadOrStore(t, spec); dup {
		panic(fmt.Sprintf("xdr: RegisterUnion[%s]: already registered", t))
	}
}

func (s *unionSpec) check(t reflect.Type) error {
	if t.Kind() != reflect.Interface || t.Name() == "" {
		return fmt.Errorf("%s is not a named interface type", t)
	}
	if len(s.arms) == 0 {
		return fmt.Errorf("no arms")
	}
	for _, a := range s.arms {
		if a.discKind == reflect.Invalid {
			continue
		}
		if s.discKind != reflect.Invalid && s.discKind != a.discKind {
			return fmt.Errorf("arm %s: discriminant is a %s, other arms use %s", a.typ, a.discKind, s.discKind)
		}
		s.discKind = a.discKind
	}
	seenValue := map[uint32]reflect.Type{}
	seenType := map[reflect.Type]bool{}
	defaults := 0
	for _, a := range s.arms {
		if a.typ.Kind() == reflect.Interface {
			return fmt.Errorf("arm %s is an interface; arms are concrete types", a.typ)
		}
		if !a.typ.Implements(t) {
			return fmt.Errorf("arm %s does not implement %s", a.typ, t)
		}
		if seenType[a.typ] {
			return fmt.Errorf("arm %s appears twice", a.typ)
		}
		seenType[a.typ] = true
		if a.def {
			defaults++
		} else if len(a.values) == 0 {
			return fmt.Errorf("arm %s: Case lists no discriminant values", a.typ)
		}
		for _, v := range a.values {
			if other, ok := seenValue[v]; ok {
				return fmt.Errorf("discriminant %d selects both %s and %s", v, other, a.typ)
			}
			seenValue[v] = a.typ
		}
		df, err := discFieldOf(armBody(a.typ))
		if err != nil {
			return fmt.Errorf("arm %s: %v", a.typ, err)
		}
		if df != nil && s.discKind == reflect.Invalid {
			s.discKind = df.kind // a union of only a Default arm
		}
		if df == nil && (a.def || len(a.values) > 1) {
			return fmt.Errorf("arm %s serves several discriminant values and needs a field tagged `xdr:\"discriminant\"`", a.typ)
		}
		// int32 and uint32 fields both hold the 32 bits; a bool needs a bool.
		if df != nil && s.discKind != reflect.Invalid && (df.kind == reflect.Bool) != (s.discKind == reflect.Bool) {
			return fmt.Errorf("arm %s: discriminant field is %s, the discriminant is %s", a.typ, df.kind, s.discKind)
		}
	}
	if defaults > 1 {
		return fmt.Errorf("more than one Default arm")
	}
	return nil
}

// armBody is the type whose encoding is the arm's body: S for an arm *S.
func armBody(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

type discField struct {
	off  uintptr
	kind reflect.Kind
}

func discFieldOf(t reflect.Type) (*discField, error) {
	if t.Kind() != reflect.Struct {
		return nil, nil
	}
	var found *discField
	for i := range t.NumField() {
		sf := t.Field(i)
		opts, err := parseTag(sf)
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", sf.Name, err)
		}
		if opts.discriminant {
			if found != nil {
				return nil, fmt.Errorf("two fields tagged discriminant")
			}
			found = &discField{off: sf.Offset, kind: sf.Type.Kind()}
		}
	}
	return found, nil
}

type unionArm struct {
	typ    reflect.Type // the registered arm type
	alloc  reflect.Type // what decoding allocates: S for *S, else the type
	body   *codec
	ptr    bool           // arm type is a pointer: the interface holds it
	direct bool           // arm type is pointer-shaped but not a pointer
	custom bool           // a value arm whose encoding runs user methods
	tab    unsafe.Pointer // first word of a union interface holding a typ
	disc   *discField
	values []uint32 // nil for the default arm
}

type unionCodec struct {
	typ      reflect.Type
	name     string
	signed   bool
	boolDisc bool
	cases    []unionCase // by discriminant value
	def      *unionArm
	arms     []*unionArm
}

type unionCase struct {
	value uint32
	arm   *unionArm
}

func (b *builder) union(c *codec, t reflect.Type) error {
	v, ok := unions.Load(t)
	if !ok {
		return b.unsupported("interface %s is not a registered union (see RegisterUnion)", t)
	}
	spec := v.(*unionSpec)
	u := &unionCodec{
		typ:      t,
		name:     t.Name(),
		signed:   spec.discKind == reflect.Int32,
		boolDisc: spec.discKind == reflect.Bool,
	}
	for _, a := range spec.arms {
		ua := &unionArm{typ: a.typ, alloc: armBody(a.typ), ptr: a.typ.Kind() == reflect.Pointer, values: a.values}
		ua.disc, _ = discFieldOf(ua.alloc) // checked by RegisterUnion
		// An interface value is two words: the itab (for an empty
		// interface, the type) and the data. Noting the first word of a U
		// holding each arm lets decode build the interface directly and
		// encode recognise the arm with one comparison.
		iv := reflect.New(t).Elem()
		iv.Set(reflect.Zero(a.typ))
		word := (*eface)(iv.Addr().UnsafePointer())
		ua.tab, ua.direct = word.typ, !ua.ptr && word.data == nil
		b.path = append(b.path, "("+a.typ.String()+")")
		body, err := b.build(ua.alloc, noBound)
		b.path = b.path[:len(b.path)-1]
		if err != nil {
			return err
		}
		ua.body = body
		ua.custom = !ua.ptr && runsUserCode(ua.alloc)
		u.arms = append(u.arms, ua)
		if a.def {
			u.def = ua
		}
		for _, v := range a.values {
			u.cases = append(u.cases, unionCase{v, ua})
		}
	}
	slices.SortFunc(u.cases, func(x, y unionCase) int {
		if x.value < y.value {
			return -1
		}
		if x.value > y.value {
			return 1
		}
		return 0
	})
	c.op, c.union = opUnion, u
	return nil
}

func (u *unionCodec) discString(v uint32) string {
	if u.signed {
		return fmt.Sprint(int32(v))
	}
	return fmt.Sprint(v)
}

// armFor returns the arm selected by a discriminant value.
func (u *unionCodec) armFor(v uint32) *unionArm {
	cs := u.cases
	if len(cs) <= 8 {
		for i := range cs {
			if cs[i].value == v {
				return cs[i].arm
			}
		}
		return u.def
	}
	i, ok := slices.BinarySearchFunc(cs, v, func(c unionCase, v uint32) int {
		if c.value < v {
			return -1
		}
		if c.value > v {
			return 1
		}
		return 0
	})
	if ok {
		return cs[i].arm
	}
	return u.def
}

func (u *unionCodec) decode(d *Decoder, p unsafe.Pointer) error {
	at := d.Offset()
	v, err := d.Uint32()
	if err != nil {
		return err
	}
	if u.boolDisc && v > 1 {
		return newError(at, ErrInvalidBool, "union %s discriminant %d is not a bool", u.name, v)
	}
	a := u.armFor(v)
	if a == nil {
		return newError(at, ErrUnionArm, "union %s has no arm for discriminant %s", u.name, u.discString(v))
	}
	if err := d.Enter(); err != nil {
		return err
	}
	ptr := reflect.New(a.alloc).UnsafePointer()
	if a.disc != nil {
		setDisc(a.disc, ptr, v)
	}
	err = decodeValue(d, a.body, ptr)
	d.Leave()
	if err != nil {
		return err
	}
	if a.direct {
		reflect.NewAt(u.typ, p).Elem().Set(reflect.NewAt(a.alloc, ptr).Elem())
	} else {
		// The interface points at the value decoded in place, as it would
		// after a conversion, without a second copy.
		*(*eface)(p) = eface{a.tab, ptr}
	}
	return nil
}

func (u *unionCodec) encode(e *Encoder, p unsafe.Pointer) error {
	a, ptr, disc, err := u.held(p)
	if err != nil {
		err.Offset = e.Offset()
		return err
	}
	e.PutUint32(disc)
	if err := e.Enter(); err != nil {
		return err
	}
	defer e.Leave()
	if a.custom {
		// A value in an interface may sit in read-only memory; a
		// MarshalXDR with a pointer receiver gets a copy.
		cp := reflect.New(a.alloc)
		cp.Elem().Set(reflect.NewAt(a.alloc, ptr).Elem())
		ptr = cp.UnsafePointer()
	}
	return encodeValue(e, a.body, ptr)
}

// runsUserCode reports whether encoding a t may call a MarshalXDR method
// on memory inside the t.
func runsUserCode(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(marshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Array:
		return runsUserCode(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if runsUserCode(t.Field(i).Type) {
				return true
			}
		}
	}
	return false // pointers, slices and interfaces lead to other memory
}

// held returns the arm the union at p holds, the address of the arm's
// value, and its discriminant; or an error (to be given an offset) if the
// union is nil or holds something that is not a valid arm.
func (u *unionCodec) held(p unsafe.Pointer) (*unionArm, unsafe.Pointer, uint32, *Error) {
	ef := (*eface)(p)
	if ef.typ == nil {
		return nil, nil, 0, newError(0, ErrUnionArm, "union %s is nil", u.name)
	}
	var a *unionArm
	for _, arm := range u.arms {
		if arm.tab == ef.typ {
			a = arm
			break
		}
	}
	if a == nil {
		x := reflect.NewAt(u.typ, p).Elem().Elem().Type()
		return nil, nil, 0, newError(0, ErrUnionArm, "%s is not an arm of union %s", x, u.name)
	}
	ptr := ef.data
	switch {
	case a.ptr && ptr == nil:
		return nil, nil, 0, newError(0, ErrUnionArm, "union %s holds a nil %s", u.name, a.typ)
	case a.direct:
		word := ef.data
		ptr = unsafe.Pointer(&word)
	}
	if a.disc == nil {
		return a, ptr, a.values[0], nil
	}
	disc := getDisc(a.disc, ptr)
	if owner := u.armFor(disc); owner != a {
		what := "no arm"
		if owner != nil {
			what = owner.typ.String()
		}
		return nil, nil, 0, newError(0, ErrUnionArm, "union %s: %s holds discriminant %s, which selects %s",
			u.name, a.typ, u.discString(disc), what)
	}
	return a, ptr, disc, nil
}

func setDisc(f *discField, p unsafe.Pointer, v uint32) {
	p = unsafe.Add(p, f.off)
	if f.kind == reflect.Bool {
		*(*bool)(p) = v == 1
	} else {
		*(*uint32)(p) = v
	}
}

func getDisc(f *discField, p unsafe.Pointer) uint32 {
	p = unsafe.Add(p, f.off)
	if f.kind == reflect.Bool {
		if *(*bool)(p) {
			return 1
		}
		return 0
	}
	return *(*uint32)(p)
}
