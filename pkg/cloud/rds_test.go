package cloud

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

func TestDBClusterFind(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	c := newTestClient(t, srv)
	ctx := t.Context()

	if _, err := c.rds.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier:      aws.String("janitor-dev"),
		Engine:                   aws.String("aurora-postgresql"),
		EngineVersion:            aws.String("16.6"),
		DatabaseName:             aws.String("janitor"),
		MasterUsername:           aws.String("janitor_admin"),
		ManageMasterUserPassword: aws.Bool(true),
		StorageEncrypted:         aws.Bool(true),
		ServerlessV2ScalingConfiguration: &types.ServerlessV2ScalingConfiguration{
			MinCapacity: aws.Float64(0.5), MaxCapacity: aws.Float64(2),
		},
	}); err != nil {
		t.Fatal(err)
	}

	got, err := c.DBClusterFind(ctx, "janitor-dev")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "janitor-dev" || got.Port != 5432 || got.DBName != "janitor" {
		t.Errorf("cluster = %+v", got)
	}
	if !strings.HasPrefix(got.Endpoint, "janitor-dev.cluster-") || !strings.HasPrefix(got.ReaderEndpoint, "janitor-dev.cluster-ro-") {
		t.Errorf("endpoints = %q, %q; want the writer and reader endpoints", got.Endpoint, got.ReaderEndpoint)
	}
	if !strings.Contains(got.MasterSecretARN, ":secret:rds!cluster") {
		t.Errorf("master secret = %q, want the RDS-managed secret", got.MasterSecretARN)
	}
	if ep := got.WriterEndpoint(); ep.Host != got.Endpoint || ep.Port != 5432 || ep.DBName != "janitor" {
		t.Errorf("WriterEndpoint = %+v", ep)
	}

	_, err = c.DBClusterFind(ctx, "janitor-nope")
	if err == nil || !strings.Contains(err.Error(), `no Aurora cluster "janitor-nope" in us-east-1`) {
		t.Errorf("unknown cluster: %v", err)
	}
}
