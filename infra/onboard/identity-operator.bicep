// Lets one principal attach one user-assigned identity to resources (Managed Identity Operator on that identity
// only): the event wiring policy's identity attaches vaultwatch's delivery identity to the topics it creates.
param identityName string
param principalId string
param roleDefinitionId string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource operator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(identity.id, principalId, roleDefinitionId)
  scope: identity
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
