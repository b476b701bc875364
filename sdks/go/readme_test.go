package transmute_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	transmute "github.com/transmute-dev/transmute-go"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestReadmeCodeIsTheExamples keeps README.md from drifting: its ```go blocks and the snippets of
// example_test.go (the body of each Example, or a whole helper function) must be the same set,
// so every block of the README compiles and runs in this suite.
func TestReadmeCodeIsTheExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	must(t, err)
	snippets := exampleSnippets(t)
	inReadme := map[string]bool{}
	for _, match := range goBlock.FindAllStringSubmatch(string(readme), -1) {
		block := strings.TrimRight(match[1], "\n")
		inReadme[block] = true
		if !snippets[block] {
			t.Errorf("README.md has a go block that is no snippet of example_test.go:\n%s", block)
		}
	}
	for snippet := range snippets {
		if !inReadme[snippet] {
			t.Errorf("example_test.go has a snippet that README.md does not show:\n%s", snippet)
		}
	}
}

// exampleSnippets reads example_test.go: an Example's body without its braces and one level of
// indentation, or any other function whole with its doc comment.
func exampleSnippets(t *testing.T) map[string]bool {
	source, err := os.ReadFile("example_test.go")
	must(t, err)
	files := token.NewFileSet()
	file, err := parser.ParseFile(files, "example_test.go", source, parser.ParseComments)
	must(t, err)
	text := func(from, to token.Pos) string {
		return string(source[files.Position(from).Offset:files.Position(to).Offset])
	}
	snippets := map[string]bool{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok {
			continue
		}
		if !strings.HasPrefix(fn.Name.Name, "Example") {
			start := fn.Pos()
			if fn.Doc != nil {
				start = fn.Doc.Pos()
			}
			snippets[text(start, fn.End())] = true
			continue
		}
		body := strings.Trim(text(fn.Body.Lbrace+1, fn.Body.Rbrace), "\n")
		lines := strings.Split(body, "\n")
		for i, line := range lines {
			lines[i] = strings.TrimPrefix(line, "\t")
		}
		snippets[strings.Join(lines, "\n")] = true
	}
	return snippets
}

// TestReadmeListsEveryMethod: the README's table names each method of each service of the
// client as `Service.Method`, so an operation added to the spec shows up there too.
func TestReadmeListsEveryMethod(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	must(t, err)
	client := reflect.TypeOf(transmute.Client{})
	for i := range client.NumField() {
		service := client.Field(i)
		for j := range service.Type.NumMethod() {
			name := "`" + service.Name + "." + service.Type.Method(j).Name + "`"
			if !strings.Contains(string(readme), name) {
				t.Errorf("README.md does not list %s", name)
			}
		}
	}
}
