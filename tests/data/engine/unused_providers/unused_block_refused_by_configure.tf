# exit: 0
# No resource uses `aws`: its block, which ConfigureProvider would refuse,
# is never sent.
terraform {
  required_providers {
    aws = {
      source = "infra.test/infra/aws"
    }
  }
}

provider "aws" {
  access_key = "only"
}

resource "terraform_data" "a" {
  input = "x"
}
