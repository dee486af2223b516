# A Terraform project, unchanged: Terraform applies it, infra takes it
# over (`infra init -migrate-state`) and hands it back
# (`infra state pull --format terraform`). See README.md.
terraform {
  required_version = ">= 1.5"
}

variable "environment" {
  type = string
}

variable "release" {
  type    = string
  default = "v1"
}

resource "terraform_data" "settings" {
  input = {
    environment = var.environment
    replicas    = [1, 2, 3]
  }
  triggers_replace = var.release
}

resource "terraform_data" "replica" {
  count = length(terraform_data.settings.output.replicas)
  input = "${var.environment}-${count.index}"
}

output "replicas" {
  value = terraform_data.replica[*].output
}
