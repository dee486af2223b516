# exit: 0
# An unused block's expressions are never evaluated.
terraform {
  required_providers {
    aws = {
      source = "infra.test/infra/aws"
    }
  }
}

provider "aws" {
  region = file("${path.module}/missing.txt")
}

resource "terraform_data" "a" {
  input = "x"
}
