package cloud

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// DBCluster is what janitor needs to know about an Aurora cluster.
type DBCluster struct {
	ID             string
	Status         string
	Endpoint       string
	ReaderEndpoint string
	Port           int
	DBName         string
	// MasterSecretARN is the RDS-managed master user secret, if RDS manages it.
	MasterSecretARN string
}

// WriterEndpoint is the writer endpoint, the fallback for secrets that lack it.
func (d DBCluster) WriterEndpoint() Endpoint {
	return Endpoint{Host: d.Endpoint, Port: d.Port, DBName: d.DBName}
}

// DBClusterFind looks up a cluster by its identifier.
func (c *Client) DBClusterFind(ctx context.Context, id string) (DBCluster, error) {
	out, err := c.rds.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		if apiCode(err) == "DBClusterNotFoundFault" {
			return DBCluster{}, fmt.Errorf("no Aurora cluster %q in %s: check the environment's region, or run janitor infra apply", id, c.region)
		}
		return DBCluster{}, wrap(fmt.Sprintf("describe Aurora cluster %q", id), err)
	}
	if len(out.DBClusters) == 0 {
		return DBCluster{}, fmt.Errorf("no Aurora cluster %q in %s: check the environment's region, or run janitor infra apply", id, c.region)
	}
	cl := out.DBClusters[0]
	d := DBCluster{
		ID:             aws.ToString(cl.DBClusterIdentifier),
		Status:         aws.ToString(cl.Status),
		Endpoint:       aws.ToString(cl.Endpoint),
		ReaderEndpoint: aws.ToString(cl.ReaderEndpoint),
		Port:           int(aws.ToInt32(cl.Port)),
		DBName:         aws.ToString(cl.DatabaseName),
	}
	if cl.MasterUserSecret != nil {
		d.MasterSecretARN = aws.ToString(cl.MasterUserSecret.SecretArn)
	}
	return d, nil
}
