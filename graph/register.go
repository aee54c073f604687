package graph

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

var registry = struct {
	sync.RWMutex
	byName map[string]reflect.Type
	byType map[reflect.Type]string
}{byName: map[string]reflect.Type{}, byType: map[reflect.Type]string{}}

// Register allows values of v's type behind interfaces: they are written as
// name followed by the value, and a stream can only ever make the types
// registered here. Register the type an interface actually holds (often a
// pointer, Register("node", &Node{})). Like other registration functions it
// panics on misuse: an empty name, a nil v, or a name or type already
// registered to something else.
func Register(name string, v any) {
	if name == "" || v == nil {
		panic("graph: Register needs a name and a non-nil value")
	}
	t := reflect.TypeOf(v)
	registry.Lock()
	defer registry.Unlock()
	if old, ok := registry.byName[name]; ok && old != t {
		panic(fmt.Sprintf("graph: Register(%q, %s): the name is registered for %s", name, t, old))
	}
	if old, ok := registry.byType[t]; ok && old != name {
		panic(fmt.Sprintf("graph: Register(%q, %s): the type is registered as %q", name, t, old))
	}
	registry.byName[name], registry.byType[t] = t, name
}

func nameOf(t reflect.Type) (string, bool) {
	registry.RLock()
	defer registry.RUnlock()
	name, ok := registry.byType[t]
	return name, ok
}

func typeNamed(name string) (reflect.Type, bool) {
	registry.RLock()
	defer registry.RUnlock()
	t, ok := registry.byName[name]
	return t, ok
}

// itabs caches, per interface type and concrete type, the first word of
// an interface value of that type holding that concrete type.
var itabs sync.Map // [2]reflect.Type → unsafe.Pointer

func itabFor(iface, concrete reflect.Type) unsafe.Pointer {
	key := [2]reflect.Type{iface, concrete}
	if tab, ok := itabs.Load(key); ok {
		return tab.(unsafe.Pointer)
	}
	v := reflect.New(iface).Elem()
	v.Set(reflect.Zero(concrete))
	tab := (*eface)(v.Addr().UnsafePointer()).typ
	itabs.Store(key, tab)
	return tab
}
