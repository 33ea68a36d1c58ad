// One alert rule per row of the seed's monitoring table, all notifying one action group.
// Gateway rows are log alerts on ApiManagementGatewayLogs (resource-specific table of the APIM diagnostic
// setting); backend health is a metric alert on the Application Gateway probe (3 consecutive failures).
//
// | seed metric                  | threshold         | rule                    | severity            |
// | API response time (P95)      | > 500 ms          | p95-latency             | 2 Warning           |
// | Failed authentication rate   | > 5 %             | failed-auth-rate        | 0 Critical          |
// | 4xx error rate               | > 10 %            | client-error-rate       | 2 Warning           |
// | 5xx error rate               | > 1 %             | server-error-rate       | 0 Critical          |
// | Rate limit violations        | > 100 / hour      | rate-limit-violations   | 3 Investigation     |
// | Unauthorized access attempts | > 50 / hour       | unauthorized-attempts   | 1 Security alert    |
// | Backend health failures      | > 3 consecutive   | backend-health          | 0 Critical          |

@description('Azure region of the log alert rules.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Log Analytics workspace with the APIM gateway logs.')
param logAnalyticsWorkspaceId string

@description('Application Gateway whose backend health is watched; empty when none is deployed.')
param appGatewayId string

@description('Action group notified by every rule.')
param actionGroupId string

var rateOf = 'ApiManagementGatewayLogs | summarize total = count(), matching = countif('
var logAlerts = [
  {
    name: 'p95-latency'
    description: 'API response time (P95) above 500 ms'
    severity: 2
    query: 'ApiManagementGatewayLogs | summarize p95 = percentile(TotalTime, 95)'
    measure: 'p95'
    aggregation: 'Maximum'
    threshold: 500
    window: 'PT15M'
    frequency: 'PT5M'
  }
  {
    name: 'failed-auth-rate'
    description: 'Failed authentication rate above 5 %'
    severity: 0
    query: '${rateOf}ResponseCode == 401 or LastErrorSource == "validate-jwt") | extend percent = iff(total == 0, 0.0, 100.0 * matching / total)'
    measure: 'percent'
    aggregation: 'Maximum'
    threshold: 5
    window: 'PT15M'
    frequency: 'PT5M'
  }
  {
    name: 'client-error-rate'
    description: '4xx error rate above 10 %'
    severity: 2
    query: '${rateOf}ResponseCode >= 400 and ResponseCode < 500) | extend percent = iff(total == 0, 0.0, 100.0 * matching / total)'
    measure: 'percent'
    aggregation: 'Maximum'
    threshold: 10
    window: 'PT15M'
    frequency: 'PT5M'
  }
  {
    name: 'server-error-rate'
    description: '5xx error rate above 1 %'
    severity: 0
    query: '${rateOf}ResponseCode >= 500) | extend percent = iff(total == 0, 0.0, 100.0 * matching / total)'
    measure: 'percent'
    aggregation: 'Maximum'
    threshold: 1
    window: 'PT15M'
    frequency: 'PT5M'
  }
  {
    name: 'rate-limit-violations'
    description: 'Rate limit violations above 100 per hour'
    severity: 3
    query: 'ApiManagementGatewayLogs | where ResponseCode == 429'
    measure: ''
    aggregation: 'Count'
    threshold: 100
    window: 'PT1H'
    frequency: 'PT15M'
  }
  {
    name: 'unauthorized-attempts'
    description: 'Unauthorized access attempts (401, 403) above 50 per hour'
    severity: 1
    query: 'ApiManagementGatewayLogs | where ResponseCode in (401, 403)'
    measure: ''
    aggregation: 'Count'
    threshold: 50
    window: 'PT1H'
    frequency: 'PT15M'
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in logAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${namePrefix}: ${alert.description}'
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        logAnalyticsWorkspaceId
      ]
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: alert.aggregation
            // Count rules count rows; the others measure the column their query computes.
            metricMeasureColumn: empty(alert.measure) ? null : alert.measure
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroupId
        ]
      }
    }
  }
]

resource backendHealth 'Microsoft.Insights/metricAlerts@2018-03-01' = if (!empty(appGatewayId)) {
  name: '${namePrefix}-backend-health'
  location: 'global'
  tags: tags
  properties: {
    description: 'Backend health check failures: APIM marked unhealthy after 3 consecutive probe failures'
    severity: 0
    enabled: true
    scopes: [
      appGatewayId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'unhealthy-hosts'
          metricName: 'UnhealthyHostCount'
          metricNamespace: 'Microsoft.Network/applicationGateways'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}
