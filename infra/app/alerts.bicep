// Log search alert rules over the findings table. What each rule watches, its severity, frequency and
// window live in alerts/alert-rules.json; its KQL in alerts/<name>.kql. Windows are counted in sweep
// intervals so they always cover at least one complete sweep, whatever the deployed schedule.

param namePrefix string
param location string
param tags object
param workspaceResourceId string

@description('Hours between sweeps; the KQL and the windows scale with it.')
param sweepIntervalHours int

@description('Action groups notified when a rule fires.')
param actionGroupIds array

var rules = loadJsonContent('../alerts/alert-rules.json')
var queries = {
  'new-high-failure.kql': loadTextContent('../alerts/new-high-failure.kql')
  'exposure-widened.kql': loadTextContent('../alerts/exposure-widened.kql')
  'estate-regression.kql': loadTextContent('../alerts/estate-regression.kql')
  'vaultwatch-silent.kql': loadTextContent('../alerts/vaultwatch-silent.kql')
  'delivery-backlog.kql': loadTextContent('../alerts/delivery-backlog.kql')
  'uncovered-subscription.kql': loadTextContent('../alerts/uncovered-subscription.kql')
  'baseline-recorded.kql': loadTextContent('../alerts/baseline-recorded.kql')
}
// The .kql files are written for the default six-hour sweep; this is the one line that changes with it.
var defaultSweepIntervalLine = 'let sweepInterval = 6h;'
var deployedSweepIntervalLine = 'let sweepInterval = ${sweepIntervalHours}h;'

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${namePrefix}${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    identity: {
      type: 'SystemAssigned'
    }
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        workspaceResourceId
      ]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: 'PT${rule.windowInSweepIntervals * sweepIntervalHours}H'
      // Stateful: one alert per dimension combination until the condition clears, so a finding seen
      // again on the next evaluation does not notify twice.
      autoMitigate: true
      skipQueryValidation: rule.?skipQueryValidation ?? false
      criteria: {
        allOf: [
          {
            query: replace(queries[rule.query], defaultSweepIntervalLine, deployedSweepIntervalLine)
            timeAggregation: 'Count'
            operator: rule.operator
            threshold: rule.threshold
            dimensions: [for dimension in rule.dimensions: {
              name: dimension
              operator: 'Include'
              values: [
                '*'
              ]
            }]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: actionGroupIds
      }
    }
  }
]

output ruleIds array = [for (rule, i) in rules: alertRules[i].id]
output rulePrincipalIds array = [for (rule, i) in rules: alertRules[i].identity.principalId]
