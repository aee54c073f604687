package graph

import (
	"cmp"
	"slices"
	"unsafe"
)

// Maps with string keys and plain values (numbers, bools, strings) are
// the most common maps and the slowest through reflect. They are read and
// written here as native Go maps: a map[K]V whose K is a string kind and
// whose V is a string, or has no pointers and a size of 1, 2, 4, 8 or 16
// bytes, has the memory layout of map[string]string or map[string]uintN
// (the runtime's map depends only on the key's hashing and the sizes,
// alignment and pointers of keys and values). Entries go out in the order
// of their encoded keys, length first, as the general path orders them.

type mapClass uint8

const (
	mapGeneral mapClass = iota
	mapStrings          // map[string]string
	map1                // map[string] 1-byte value
	map2
	map4
	map8
	map16
)

func classifyMap(c *gcodec) mapClass {
	if c.key.op != gString || c.elem.op >= gBinary || c.elem.op == gBytes {
		return mapGeneral
	}
	if c.elem.op == gString {
		return mapStrings
	}
	if hasPointers(c.elem.typ) {
		return mapGeneral
	}
	switch c.elem.size {
	case 1:
		return map1
	case 2:
		return map2
	case 4:
		return map4
	case 8:
		return map8
	case 16:
		return map16
	}
	return mapGeneral
}

// writeFastMap writes the entries of a map of class c.fast (its count is
// written already).
func writeFastMap(e *encoder, c *gcodec, hp unsafe.Pointer) {
	switch c.fast {
	case mapStrings:
		writeStringMap[string](e, c, hp)
	case map1:
		writeStringMap[uint8](e, c, hp)
	case map2:
		writeStringMap[uint16](e, c, hp)
	case map4:
		writeStringMap[uint32](e, c, hp)
	case map8:
		writeStringMap[uint64](e, c, hp)
	case map16:
		writeStringMap[[2]uint64](e, c, hp)
	}
}

// byEncoding orders strings as their XDR encodings compare: length first.
func byEncoding(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b)) }

func writeStringMap[V any](e *encoder, c *gcodec, hp unsafe.Pointer) {
	m := *(*map[string]V)(unsafe.Pointer(&hp))
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, byEncoding)
	for _, k := range keys {
		v := m[k]
		e.putBytes(k)
		e.plain(c.elem, unsafe.Pointer(&v))
	}
	clear(keys)
	e.keys = keys[:0]
}

// readFastMap makes a map of class c.fast, registers it and reads its n
// entries.
func readFastMap(d *decoder, c *gcodec, n int) (unsafe.Pointer, error) {
	switch c.fast {
	case mapStrings:
		return readStringMap[string](d, c, n)
	case map1:
		return readStringMap[uint8](d, c, n)
	case map2:
		return readStringMap[uint16](d, c, n)
	case map4:
		return readStringMap[uint32](d, c, n)
	case map8:
		return readStringMap[uint64](d, c, n)
	}
	return readStringMap[[2]uint64](d, c, n)
}

func readStringMap[V any](d *decoder, c *gcodec, n int) (unsafe.Pointer, error) {
	m := make(map[string]V, n)
	hp := *(*unsafe.Pointer)(unsafe.Pointer(&m))
	d.register(hp, c, objMap)
	for range n {
		at := d.off
		b, err := d.bytes()
		if err != nil {
			return hp, err
		}
		k := d.str(b)
		var v V
		if err := d.plain(c.elem, unsafe.Pointer(&v)); err != nil {
			return hp, err
		}
		if _, dup := m[k]; dup {
			d.off = at
			return hp, d.fail(ErrInvalid, "duplicate key in a %s", c.typ)
		}
		m[k] = v
	}
	return hp, nil
}
