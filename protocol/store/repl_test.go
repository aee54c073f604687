package store

import (
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The seed's REPL session, from testdata/store/repl-session.txt (seed
// 001's transcript, character for character, with its ids as <id1> and
// <id2>), played against a live server: each command is typed after its
// prompt, with the ids the server gave, and the transcript (commands
// echoed) must be the seed's.
func TestREPLReproducesTheSeedSession(t *testing.T) {
	golden, err := os.ReadFile("../../testdata/store/repl-session.txt")
	if err != nil {
		t.Fatal(err)
	}
	var commands []string
	for line := range strings.SplitSeq(string(golden), "\n") {
		if cmd, ok := strings.CutPrefix(line, "db > "); ok {
			commands = append(commands, cmd)
		}
	}

	c, ctx := startClient(t, Options{})

	in, typer := io.Pipe()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- NewREPL(c).Run(ctx, in, out) }()

	ids := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	var transcript strings.Builder
	seen := 0 // bytes of out already in the transcript
	var given []string
	for _, cmd := range commands {
		// Wait for the prompt, then type.
		deadline := time.Now().Add(testTimeout)
		for text := out.String(); len(text) == seen || !strings.HasSuffix(text, "db > "); text = out.String() {
			if time.Now().After(deadline) {
				t.Fatalf("no prompt; so far:\n%s", out.String())
			}
			time.Sleep(time.Millisecond)
		}
		text := out.String()
		transcript.WriteString(text[seen:])
		seen = len(text)
		given = ids.FindAllString(text, -1)
		for i, id := range uniq(given) {
			cmd = strings.ReplaceAll(cmd, "<id"+string(rune('1'+i))+">", id)
		}
		transcript.WriteString(cmd + "\n")
		if _, err := io.WriteString(typer, cmd+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	transcript.WriteString(out.String()[seen:])
	got := transcript.String()
	for i, id := range uniq(ids.FindAllString(got, -1)) {
		got = strings.ReplaceAll(got, id, "<id"+string(rune('1'+i))+">")
	}
	if got != string(golden) {
		t.Errorf("the session differs from the seed's:\n got:\n%s\nwant:\n%s", got, golden)
	}
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !strings.Contains(strings.Join(out, " "), x) {
			out = append(out, x)
		}
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestREPLOtherCommandsAndErrors(t *testing.T) {
	c, ctx := startClient(t, Options{})
	in := strings.Join([]string{
		"desc",
		"addcol users *email=str,*age=int",
		"add users email=x age=old",
		"add users email=x phone=1",
		"add users email=1 age=3",
		"add users email=2 age=4",
		"desc",
		"search users age>=4",
		"remove users age<10",
		"search nosuch",
		"frobnicate",
		"rmcol users",
		"desc",
	}, "\n") + "\n"
	var out strings.Builder
	if err := NewREPL(c).Run(ctx, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`[0-9a-f-]{36}`).ReplaceAllString(out.String(), "<id>")
	for _, want := range []string{
		"db > No collections.\n",
		`Error: insert "users": field "age": want int`,
		`Error: insert "users": field "phone": not in the schema`,
		"users (2 docs)\n  email: *str\n  age: *int\n",
		"Results:\n- id: <id>\n  email: 2\n  age: 4\n",
		"db > 2 docs removed.\n",
		`Error: search "nosuch"`,
		`Error: unknown command "frobnicate" (try help)`,
		"db > Col removed.\n",
		"db > \nBye\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}
