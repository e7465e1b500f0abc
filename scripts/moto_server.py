"""Start the moto server with one fidelity fix for CloudFormation.

moto's execute_change_set has no rollback ("TODO: handle execution errors and implement rollback"):
a resource that fails to create raises a 500 and leaves the stack in REVIEW_IN_PROGRESS. Real
CloudFormation records CREATE_FAILED for the resource, rolls back and ends in ROLLBACK_COMPLETE
(UPDATE_ROLLBACK_COMPLETE for an update). This wrapper applies that behaviour so integration
tests can reproduce R2 (a stack left in ROLLBACK_COMPLETE) against a real emulator. It also
refreshes stack Outputs after ExecuteChangeSet (moto only does so in UpdateStack), and compares
parameters by effective value when deciding whether a change set is empty (moto compares the raw
dict, so a UsePreviousValue parameter always looks like a change). Everything
else is moto as installed.

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p PORT
"""

import sys

from moto.cloudformation import models as cfn
from moto.server import main


_original_execute = cfn.CloudFormationBackend.execute_change_set


def _execute_with_rollback(self, change_set_name, stack_name=None):
    change_set = None
    for cs in self.change_sets.values():
        if change_set_name in (cs.change_set_id, cs.change_set_name):
            change_set = cs
    try:
        result = _original_execute(self, change_set_name, stack_name)
        if change_set is not None:
            # moto only rebuilds stack outputs in UpdateStack; real CloudFormation has them after any execution.
            stack = self.stacks[change_set.stack_id]
            stack._parse_template()
            stack.output_map = stack._create_output_map()
        return result
    except Exception as exc:  # noqa: BLE001 - any resource failure becomes a rollback
        if change_set is None:
            raise
        stack = self.stacks[change_set.stack_id]
        reason = f"Resource creation failed: {type(exc).__name__}: {exc}"
        failed_kind = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
        for logical_id, res in (change_set.template_dict or {}).get("Resources", {}).items():
            ev = cfn.Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=logical_id,
                physical_resource_id="",
                resource_type=res.get("Type", ""),
                resource_status=f"{failed_kind}_FAILED",
                resource_status_reason=reason,
                resource_properties=None,
            )
            stack.events.append(ev)
            break
        if failed_kind == "CREATE":
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) failed to create.")
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
        else:
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) failed to update.")
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
        change_set.execution_status = "EXECUTE_FAILED"
        return None


cfn.CloudFormationBackend.execute_change_set = _execute_with_rollback


def _has_parameters(self, other_parameters):
    # moto compares the raw dict the stack was created with; CloudFormation compares effective values,
    # so a parameter sent as UsePreviousValue (or left at its default) is not a change.
    current = dict(self.stack_parameters or {})
    current.update(self.parameters or {})
    return all(current.get(k) == v for k, v in (other_parameters or {}).items())


cfn.Stack.has_parameters = _has_parameters

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
