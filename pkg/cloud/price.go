package cloud

// hourlyUSD are on-demand Linux prices in us-east-1 (USD per hour, 2025) of
// the GPU instance types janitor is likely to run on. Other regions cost
// 10-30% more; spot and savings plans less. Estimates, not a bill.
var hourlyUSD = map[string]float64{
	"g4dn.xlarge":   0.526,
	"g4dn.2xlarge":  0.752,
	"g4dn.4xlarge":  1.204,
	"g4dn.8xlarge":  2.176,
	"g4dn.12xlarge": 3.912,
	"g5.xlarge":     1.006,
	"g5.2xlarge":    1.212,
	"g5.4xlarge":    1.624,
	"g5.8xlarge":    2.448,
	"g5.12xlarge":   5.672,
	"g5.48xlarge":   16.288,
	"g6.xlarge":     0.8048,
	"g6.2xlarge":    0.9776,
	"g6.4xlarge":    1.3232,
	"g6.12xlarge":   4.6016,
	"g6e.xlarge":    1.861,
	"g6e.2xlarge":   2.24208,
	"g6e.4xlarge":   3.00424,
	"p3.2xlarge":    3.06,
	"p3.8xlarge":    12.24,
	"p4d.24xlarge":  32.7726,
}

// HourlyPrice is the on-demand price per hour in USD of an instance type, and
// whether janitor knows it.
func HourlyPrice(instanceType string) (float64, bool) {
	p, ok := hourlyUSD[instanceType]
	return p, ok
}
