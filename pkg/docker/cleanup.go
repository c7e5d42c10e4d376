package docker

import (
	"context"
	"errors"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// RemoveImage removes an image by ID or tag, with all its tags. An image
// that is already gone is not an error.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return e.wrap("remove image "+ref, err)
	}
	return nil
}

// Removed lists what Cleanup removed.
type Removed struct {
	Containers []string
	Images     []string
}

// Cleanup removes the containers (running or not) and then the images that
// carry LabelManaged=true and, when runID is not empty, LabelRunID=runID. It
// is for `janitor cleanup` and for runs that were cancelled or crashed. It
// goes on past a failed removal and reports every failure; the layer cache
// is kept.
func (e *Engine) Cleanup(ctx context.Context, runID string) (Removed, error) {
	filters := cleanupFilters(runID)
	removed := Removed{Containers: []string{}, Images: []string{}}
	containers, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return removed, e.wrap("list janitor's containers", err)
	}
	var errs []error
	for _, c := range containers.Items {
		if err := e.removeContainer(ctx, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		removed.Containers = append(removed.Containers, c.ID)
	}
	images, err := e.cli.ImageList(ctx, client.ImageListOptions{All: true, Filters: filters})
	if err != nil {
		return removed, errors.Join(append(errs, e.wrap("list janitor's images", err))...)
	}
	for _, img := range images.Items {
		if err := e.RemoveImage(ctx, img.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		removed.Images = append(removed.Images, img.ID)
	}
	return removed, errors.Join(errs...)
}

// cleanupFilters selects janitor's objects, of one run when runID is set.
func cleanupFilters(runID string) client.Filters {
	filters := client.Filters{}.Add("label", LabelManaged+"=true")
	if runID != "" {
		filters.Add("label", LabelRunID+"="+runID)
	}
	return filters
}
