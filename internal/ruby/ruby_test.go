package ruby

import "testing"

// A value can never end the literal or become code ("#{...}").
func TestString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:            `"plain"`,
		`a"b\c`:            `"a\"b\\c"`,
		`#{system("rm")}`:  `"\#{system(\"rm\")}"`,
		"tab\tnew\nbell\a": `"tab\tnew\nbell\x07"`,
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %s, want %s", in, got, want)
		}
	}
	if got := List([]string{"a", `"`}); got != `["a", "\""]` {
		t.Errorf("List = %s", got)
	}
}
