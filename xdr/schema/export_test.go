package schema

// SetMaxItems lowers the item limit for a test and returns what restores
// it.
func SetMaxItems(n int) func() {
	old := maxItems
	maxItems = n
	return func() { maxItems = old }
}
