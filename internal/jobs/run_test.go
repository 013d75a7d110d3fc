package jobs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"
)

// The warnings Nomad returns when it registers a job reach the user, as
// `nomad job run` shows them. (A fake Nomad: only the register answer
// matters here.)
func TestRunPrintsRegisterWarnings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || r.URL.Path != "/v1/jobs" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"EvalID":"","Warnings":"1 warning:\n\n* Group \"web\" has a service but no shutdown_delay"}`))
	}))
	defer srv.Close()
	var out strings.Builder
	c, err := NewClient(srv.URL, "", "", &out)
	if err != nil {
		t.Fatal(err)
	}
	job := &api.Job{ID: ptr("web"), Name: ptr("web")}
	if err := c.Run(context.Background(), job, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Warnings from Nomad:\n1 warning:") || !strings.Contains(out.String(), "no shutdown_delay") {
		t.Errorf("run printed:\n%s", out.String())
	}
}

func ptr[T any](v T) *T { return &v }
