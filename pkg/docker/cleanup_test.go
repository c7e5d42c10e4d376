package docker

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

func TestCleanupFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		runID string
		want  client.Filters
	}{
		{"", client.Filters{"label": {"org.janitor.managed=true": true}}},
		{"r1", client.Filters{"label": {"org.janitor.managed=true": true, "org.janitor.run-id=r1": true}}},
	}
	for _, tt := range tests {
		if got := cleanupFilters(tt.runID); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("cleanupFilters(%q) = %v, want %v", tt.runID, got, tt.want)
		}
	}
}

// TestCleanup leaves behind what a crashed run would (a running container,
// a stopped one, an image) plus the same for another run, and checks that
// Cleanup removes exactly the first run's.
func TestCleanup(t *testing.T) {
	t.Parallel()
	e := engine(t)
	runID, otherRun := testRunID(t), testRunID(t)+"-other"

	buildFor := func(run string) string {
		res, err := e.Build(t.Context(), BuildRequest{
			ContextDir: probeContext(t, map[string]string{"Dockerfile": probeDockerfile + "LABEL run=" + run + "\n"}),
			Labels:     map[string]string{LabelRunID: run},
		})
		if err != nil || res.Failed {
			t.Fatalf("build: %v %s", err, res.Log)
		}
		return res.ImageID
	}
	leave := func(image, run string, start bool) string {
		c, err := e.cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
			Config:     &container.Config{Image: image, Cmd: []string{"hang"}, Labels: map[string]string{LabelManaged: "true", LabelRunID: run}},
			HostConfig: &container.HostConfig{},
		})
		if err != nil {
			t.Fatal(err)
		}
		if start {
			if _, err := e.cli.ContainerStart(t.Context(), c.ID, client.ContainerStartOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	image, otherImage := buildFor(runID), buildFor(otherRun)
	running, stopped := leave(image, runID, true), leave(image, runID, false)
	otherContainer := leave(otherImage, otherRun, false)
	t.Cleanup(func() {
		_ = e.removeContainer(context.Background(), otherContainer)
		_ = e.RemoveImage(context.Background(), otherImage)
	})

	start := time.Now()
	removed, err := e.Cleanup(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cleanup took %v", time.Since(start))
	slices.Sort(removed.Containers)
	wantContainers := []string{running, stopped}
	slices.Sort(wantContainers)
	if !reflect.DeepEqual(removed.Containers, wantContainers) || !reflect.DeepEqual(removed.Images, []string{image}) {
		t.Errorf("Cleanup removed %+v, want containers %v and image %s", removed, wantContainers, image)
	}
	for _, id := range wantContainers {
		checkRemoved(t, e, id)
	}
	if _, err := e.cli.ImageInspect(t.Context(), image); !cerrdefs.IsNotFound(err) {
		t.Errorf("image %s still there: %v", image, err)
	}
	if _, err := e.cli.ContainerInspect(t.Context(), otherContainer, client.ContainerInspectOptions{}); err != nil {
		t.Errorf("another run's container went: %v", err)
	}
	if _, err := e.cli.ImageInspect(t.Context(), otherImage); err != nil {
		t.Errorf("another run's image went: %v", err)
	}

	again, err := e.Cleanup(t.Context(), runID)
	if err != nil || len(again.Containers)+len(again.Images) != 0 {
		t.Errorf("second Cleanup = %+v, %v; want nothing left to remove", again, err)
	}
	if err := e.RemoveImage(t.Context(), image); err != nil {
		t.Errorf("removing a removed image: %v", err)
	}
}
