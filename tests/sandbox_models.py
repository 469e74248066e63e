"""Checks every sandbox answer the app relies on against AWS's own service models.

The JSON service models botocore ships (installed with the AWS CLI) are an independent peer: this
script drives a running `drs-orchestrator sandbox serve` through botocore, captures each raw
answer before botocore parses it, and walks it against the operation's output shape. A member
the model lacks, an enum value the model lacks, a value of the wrong type, or a required member
missing is reported with the operation and the path. Exit 0 when every answer conforms, 1 when
one does not (each problem printed), 2 when the sandbox cannot be driven.

    python3 tests/sandbox_models.py http://127.0.0.1:PORT
"""

import json
import sys
import time
import xml.etree.ElementTree as ET

import datetime

import botocore.session
from botocore.config import Config
from botocore.parsers import RpcV2CBORParser

PROD_KEY = "AKIASANDBOXPROD00001"
RECOVERY_ROLE = "arn:aws:iam::444455556666:role/DRSOrchestratorRecovery"
EXTERNAL_ID = "sandbox-external-id"

problems = []
checked = {}

# Where AWS itself answers differently from its model, the sandbox answers like AWS: (shape,
# value, why).
KNOWN_MODEL_GAPS = {
    ("PlatformValues", "windows"): "EC2 answers `windows` for Windows instances (its API reference says so); the model's enum spells it `Windows`",
}


def problem(op, path, text):
    problems.append(f"{op}: {path or '(root)'}: {text}")


# ----------------------------------------------------------------------------------------------
# JSON (DRS restJson1, SSM awsJson1_1)


def walk_json(op, value, shape, path):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return problem(op, path, f"expected an object, got {type(value).__name__}")
        by_wire = {}
        for name, member in shape.members.items():
            if member.serialization.get("location") in ("header", "headers", "statusCode"):
                continue
            by_wire[member.serialization.get("name", name)] = (name, member)
        for key, v in value.items():
            if key not in by_wire:
                problem(op, f"{path}.{key}", f"member not in the model's {shape.name}")
                continue
            if v is None:
                continue
            walk_json(op, v, by_wire[key][1], f"{path}.{key}")
        for req in getattr(shape, "required_members", []) or []:
            member = shape.members[req]
            if member.serialization.get("location") in ("header", "headers", "statusCode"):
                continue
            if member.serialization.get("name", req) not in value:
                problem(op, f"{path}.{req}", f"required member of {shape.name} missing")
    elif t == "list":
        if not isinstance(value, list):
            return problem(op, path, f"expected a list, got {type(value).__name__}")
        for i, v in enumerate(value):
            walk_json(op, v, shape.member, f"{path}[{i}]")
    elif t == "map":
        if not isinstance(value, dict):
            return problem(op, path, f"expected a map, got {type(value).__name__}")
        for k, v in value.items():
            walk_json(op, k, shape.key, f"{path}<key {k}>")
            walk_json(op, v, shape.value, f"{path}.{k}")
    elif t == "string":
        if not isinstance(value, str):
            return problem(op, path, f"expected a string, got {type(value).__name__}")
        if shape.enum and value not in shape.enum:
            problem(op, path, f"\"{value}\" is not a value of {shape.name} ({', '.join(shape.enum)})")
    elif t == "boolean":
        if not isinstance(value, bool):
            problem(op, path, f"expected a boolean, got {value!r}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problem(op, path, f"expected an integer, got {value!r}")
    elif t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problem(op, path, f"expected a number, got {value!r}")
    elif t == "timestamp":
        if not isinstance(value, (str, int, float)):
            problem(op, path, f"expected a timestamp, got {value!r}")


# ----------------------------------------------------------------------------------------------
# XML (EC2's ec2 protocol, STS's query protocol, Route 53's restXml)


def local(tag):
    return tag.split("}", 1)[-1]


def walk_xml(op, elem, shape, path, protocol):
    t = shape.type_name
    if t == "structure":
        by_wire = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if protocol == "ec2":
                wire = member.serialization.get("name", name[0].lower() + name[1:])
            by_wire[wire] = member
        for child in elem:
            key = local(child.tag)
            if key in ("requestId", "RequestId", "ResponseMetadata"):
                continue
            member = by_wire.get(key)
            if member is None:
                problem(op, f"{path}.{key}", f"element not in the model's {shape.name}")
                continue
            walk_xml(op, child, member, f"{path}.{key}", protocol)
    elif t == "list":
        item = shape.member.serialization.get("name", "item" if protocol == "ec2" else "member")
        for i, child in enumerate(elem):
            if local(child.tag) != item:
                problem(op, f"{path}[{i}]", f"list item element <{local(child.tag)}>, the model says <{item}>")
                continue
            walk_xml(op, child, shape.member, f"{path}[{i}]", protocol)
    elif t == "string":
        value = elem.text or ""
        if shape.enum and value not in shape.enum and (shape.name, value) not in KNOWN_MODEL_GAPS:
            problem(op, path, f"\"{value}\" is not a value of {shape.name} ({', '.join(shape.enum[:12])}…)")
    elif t == "boolean":
        if (elem.text or "") not in ("true", "false"):
            problem(op, path, f"expected true/false, got {elem.text!r}")
    elif t in ("integer", "long"):
        try:
            int(elem.text or "")
        except ValueError:
            problem(op, path, f"expected an integer, got {elem.text!r}")


# ----------------------------------------------------------------------------------------------


def capture(service):
    def handler(operation_model, response_dict, **_):
        op = f"{service}:{operation_model.name}"
        checked[op] = checked.get(op, 0) + 1
        status = response_dict.get("status_code", 200)
        if status >= 300:
            return
        body = response_dict.get("body") or b""
        shape = operation_model.output_shape
        if shape is None:
            return
        cbor = "cbor" in str((response_dict.get("headers") or {}).get("content-type", ""))
        if service == "cloudwatch" and cbor:
            if not body:
                return
            try:
                value = plain(RpcV2CBORParser()._initial_body_parse(body))
            except Exception as e:  # botocore's CBOR reader raises several kinds
                return problem(op, "", f"not CBOR: {e}")
            walk_json(op, value, shape, "")
        elif service in ("drs", "ssm", "events", "cloudwatch"):
            if not body.strip():
                return
            try:
                value = json.loads(body)
            except ValueError as e:
                return problem(op, "", f"not JSON: {e}")
            walk_json(op, value, shape, "")
        else:
            try:
                root = ET.fromstring(body)
            except ET.ParseError as e:
                return problem(op, "", f"not XML: {e}")
            expected = f"{operation_model.name}Response"
            if local(root.tag) != expected:
                problem(op, "", f"root element <{local(root.tag)}>, expected <{expected}>")
            node = root
            if service in ("sts", "sns"):
                result = [c for c in root if local(c.tag) == f"{operation_model.name}Result"]
                if not result:
                    return problem(op, "", f"no <{operation_model.name}Result>")
                node = result[0]
            walk_xml(op, node, shape, "", "ec2" if service == "ec2" else "query")

    return handler


def plain(value):
    """CBOR as JSON would hold it: timestamps (tag 1) as epoch seconds."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return value


def client(session, service, endpoint, key=PROD_KEY):
    c = session.create_client(
        service,
        region_name="us-west-2",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key="anything",
        config=Config(retries={"max_attempts": 2}),
    )
    c.meta.events.register(f"before-parse.{service}.*", capture(service))
    return c


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    endpoint = sys.argv[1]
    session = botocore.session.get_session()
    drs = client(session, "drs", endpoint)
    ec2 = client(session, "ec2", endpoint)
    sts = client(session, "sts", endpoint)

    # STS
    sts.get_caller_identity()
    sts.assume_role(RoleArn=RECOVERY_ROLE, RoleSessionName="models", ExternalId=EXTERNAL_ID)

    # DRS: inventory, launch settings, tags
    servers = drs.describe_source_servers(maxResults=200)["items"]
    server = servers[0]
    sid = server["sourceServerID"]
    lc = drs.get_launch_configuration(sourceServerID=sid)
    drs.update_launch_configuration(sourceServerID=sid, copyTags=lc.get("copyTags", False))
    drs.list_tags_for_resource(resourceArn=server["arn"])
    drs.tag_resource(resourceArn=server["arn"], tags={"model-check": "yes"})
    drs.describe_recovery_snapshots(sourceServerID=sid)

    # DRS: a drill of two servers to its end, then its cleanup
    ids = [s["sourceServerID"] for s in servers[:2]]
    for i in ids:
        drs.update_launch_configuration(sourceServerID=i, launchIntoInstanceProperties={})
    job = drs.start_recovery(
        sourceServers=[{"sourceServerID": i} for i in ids],
        isDrill=True,
        tags={"drs-orchestrator:execution": "model-check"},
    )["job"]
    deadline = time.time() + 120
    while True:
        j = drs.describe_jobs(filters={"jobIDs": [job["jobID"]]})["items"][0]
        if j["status"] == "COMPLETED":
            break
        if time.time() > deadline:
            print("the sandbox job did not complete in 2 minutes", file=sys.stderr)
            return 2
        time.sleep(0.5)
    drs.describe_jobs(filters={"fromDate": job["creationDateTime"]})
    drs.describe_job_log_items(jobID=job["jobID"])
    ris = drs.describe_recovery_instances(filters={"sourceServerIDs": ids})["items"]
    drs.describe_recovery_instances()

    # DRS: post-launch actions
    action = {
        "resourceId": sid,
        "actionId": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "actionCode": "AWS-ConfigureAWSPackage",
        "order": 100,
        "optional": True,
        "active": True,
        "name": "monitoring agent",
        "actionVersion": "$DEFAULT",
        "category": "MONITORING",
        "description": "managed by drs-orchestrator (protection group models)",
        "parameters": {"name": {"value": "AmazonCloudWatchAgent", "type": "DYNAMIC"}},
    }
    drs.put_launch_action(**action)
    drs.list_launch_actions(resourceId=sid)
    drs.delete_launch_action(resourceId=sid, actionId=action["actionId"])

    # SSM: on a drill instance whose agent is online, and automations
    ssm = client(session, "ssm", endpoint)
    route53 = client(session, "route53", endpoint)
    ec2_ids = [r["ec2InstanceID"] for r in ris] if ris else []
    if ec2_ids:
        info = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": ec2_ids}])
        online = [i["InstanceId"] for i in info["InstanceInformationList"] if i["PingStatus"] == "Online"]
        if online:
            cmd = ssm.send_command(
                InstanceIds=online[:1],
                DocumentName="AWS-RunShellScript",
                Parameters={"commands": ["echo model check"]},
                Comment="model-check",
            )["Command"]
            ssm.list_commands(Filters=[{"key": "InvokedAfter", "value": "2000-01-01T00:00:00Z"}])
            ssm.list_command_invocations(CommandId=cmd["CommandId"], Details=True)
            ssm.get_command_invocation(CommandId=cmd["CommandId"], InstanceId=online[0])
    auto = ssm.start_automation_execution(
        DocumentName="AWS-RestartEC2Instance", Parameters={"InstanceId": ["i-0"]}, ClientToken="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
    )
    ssm.get_automation_execution(AutomationExecutionId=auto["AutomationExecutionId"])

    # SNS (query) and EventBridge (awsJson1_1): the monitoring's topic and rules
    sns = client(session, "sns", endpoint)
    topic = sns.create_topic(Name="model-check", Tags=[{"Key": "drs-orchestrator:owner", "Value": "model-check"}])["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue="{}")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.list_topics()
    sns.list_tags_for_resource(ResourceArn=topic)
    sns.list_subscriptions_by_topic(TopicArn=topic)
    events = client(session, "events", endpoint)
    rule = events.put_rule(Name="model-check", EventPattern='{"source":["aws.drs"]}', State="ENABLED", Tags=[{"Key": "k", "Value": "v"}])["RuleArn"]
    events.put_targets(Rule="model-check", Targets=[{"Id": "team", "Arn": topic}])
    events.list_rules(NamePrefix="model-")
    events.list_targets_by_rule(Rule="model-check")
    events.list_tags_for_resource(ResourceARN=rule)
    events.remove_targets(Rule="model-check", Ids=["team"])
    events.delete_rule(Name="model-check")
    sns.delete_topic(TopicArn=topic)

    # CloudWatch (Smithy RPC v2 CBOR): an alarm put, listed, tagged and deleted
    cloudwatch = client(session, "cloudwatch", endpoint)
    cloudwatch.put_metric_alarm(
        AlarmName="model-check-lag",
        Namespace="AWS/DRS",
        MetricName="LagDuration",
        Dimensions=[{"Name": "SourceServerID", "Value": sid}],
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1800.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="breaching",
        Tags=[{"Key": "drs-orchestrator:owner", "Value": "model-check"}],
    )
    alarm = cloudwatch.describe_alarms(AlarmNamePrefix="model-check-")["MetricAlarms"][0]
    cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
    cloudwatch.delete_alarms(AlarmNames=["model-check-lag"])

    # Route 53
    zones = route53.list_hosted_zones()["HostedZones"]
    zone = zones[0]["Id"]
    route53.get_hosted_zone(Id=zone)
    change = route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Comment": "model check",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "model.retail.internal",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.0.0.1"}],
                    },
                }
            ],
        },
    )["ChangeInfo"]
    route53.get_change(Id=change["Id"])
    route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName="model.retail.internal", StartRecordType="A", MaxItems="1")

    # DRS failback: a recovery of one server, replication reversed to the origin region, the
    # reversed source server read there, its replication stopped; the launch settings template.
    rec = drs.start_recovery(sourceServers=[{"sourceServerID": ids[0]}], isDrill=False)["job"]
    deadline = time.time() + 120
    while drs.describe_jobs(filters={"jobIDs": [rec["jobID"]]})["items"][0]["status"] != "COMPLETED":
        if time.time() > deadline:
            print("the sandbox recovery did not complete in 2 minutes", file=sys.stderr)
            return 2
        time.sleep(0.5)
    recovered = [r for r in drs.describe_recovery_instances(filters={"sourceServerIDs": ids[:1]})["items"] if not r["isDrill"]]
    reversed_arn = drs.reverse_replication(recoveryInstanceID=recovered[0]["recoveryInstanceID"])["reversedDirectionSourceServerArn"]
    drs_east = session.create_client(
        "drs", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=PROD_KEY, aws_secret_access_key="anything"
    )
    drs_east.meta.events.register("before-parse.drs.*", capture("drs"))
    drs_east.describe_source_servers(filters={"hardwareId": recovered[0]["ec2InstanceID"]})
    drs.describe_source_servers(filters={"sourceServerIDs": ids[:1]})
    drs.describe_recovery_instances(filters={"sourceServerIDs": ids[:1]})
    drs_east.stop_replication(sourceServerID=reversed_arn.rsplit("/", 1)[1])
    templates = drs_east.describe_launch_configuration_templates()["items"]
    drs_east.update_launch_configuration_template(
        launchConfigurationTemplateID=templates[0]["launchConfigurationTemplateID"], launchIntoSourceInstance=True
    )

    # Native recovery plans: a plan, a SERVER and a WAIT step, a drill run to its end.
    server_arns = [s["arn"] for s in drs.describe_source_servers(filters={"sourceServerIDs": ids[1:3]})["items"]]
    plan = drs.create_recovery_plan(name="model-check", description="x", clientToken="t1", tags={"k": "v"})["recoveryPlan"]
    plan_arn = plan["recoveryPlanArn"]
    step = drs.create_recovery_plan_step(
        recoveryPlanArn=plan_arn, stepName="servers", clientToken="t2",
        configuration={"serverStepConfiguration": {"servers": [{"serverArn": a, "impactLevel": "CRITICAL"} for a in server_arns]}},
    )["recoveryPlanStep"]
    wait = drs.create_recovery_plan_step(
        recoveryPlanArn=plan_arn, stepName="settle", configuration={"waitStepConfiguration": {"waitDurationMinutes": 2}}
    )["recoveryPlanStep"]
    drs.update_recovery_plan_step(recoveryPlanStepArn=wait["recoveryPlanStepArn"], stepName="settle longer",
                                  configuration={"waitStepConfiguration": {"waitDurationMinutes": 3}})
    drs.get_recovery_plan_step(recoveryPlanStepArn=step["recoveryPlanStepArn"])
    drs.reorder_recovery_plan_steps(recoveryPlanArn=plan_arn, orderedStepArns=[step["recoveryPlanStepArn"], wait["recoveryPlanStepArn"]])
    drs.update_recovery_plan(recoveryPlanArn=plan_arn, description="y")
    drs.get_recovery_plan(recoveryPlanArn=plan_arn)
    drs.list_recovery_plans()
    drs.list_recovery_plan_steps(recoveryPlanArn=plan_arn)
    run = drs.start_recovery_plan_execution(recoveryPlanArn=plan_arn, mode="DRILL", clientToken="t3", tags={"k": "v"})["recoveryPlanExecution"]
    run_arn = run["recoveryPlanExecutionArn"]
    deadline = time.time() + 120
    while drs.get_recovery_plan_execution(recoveryPlanExecutionArn=run_arn)["recoveryPlanExecution"]["status"] not in ("COMPLETED", "FAILED"):
        if time.time() > deadline:
            print("the sandbox's native run did not end in 2 minutes", file=sys.stderr)
            return 2
        time.sleep(0.5)
    run_steps = drs.list_recovery_plan_execution_steps(recoveryPlanExecutionArn=run_arn)["recoveryPlanExecutionSteps"]
    drs.get_recovery_plan_execution_step(recoveryPlanExecutionStepArn=run_steps[0]["recoveryPlanExecutionStepArn"])
    drs.list_recovery_plan_executions(recoveryPlanArn=plan_arn)
    drs.delete_recovery_plan_execution(recoveryPlanExecutionArn=run_arn)
    drs.delete_recovery_plan_step(recoveryPlanStepArn=wait["recoveryPlanStepArn"])
    drs.delete_recovery_plan(recoveryPlanArn=plan_arn)

    if ec2_ids:
        ec2.describe_instance_status(InstanceIds=ec2_ids)
    # The drill's instances still there (the recovery above replaced the first server's).
    ris = [r for r in drs.describe_recovery_instances(filters={"sourceServerIDs": ids})["items"] if r["isDrill"]]
    if ris:
        drs.terminate_recovery_instances(recoveryInstanceIDs=[r["recoveryInstanceID"] for r in ris])

    # EC2
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": [instances[0]["InstanceId"]]}])
    ec2.describe_instance_attribute(InstanceId=instances[0]["InstanceId"], Attribute="disableApiTermination")
    template = lc.get("ec2LaunchTemplateID")
    if template:
        v = ec2.describe_launch_template_versions(LaunchTemplateId=template, Versions=["$Default"])
        number = v["LaunchTemplateVersions"][0]["VersionNumber"]
        created = ec2.create_launch_template_version(
            LaunchTemplateId=template, SourceVersion=str(number), LaunchTemplateData={"InstanceType": "m5.large"}
        )
        ec2.modify_launch_template(
            LaunchTemplateId=template, DefaultVersion=str(created["LaunchTemplateVersion"]["VersionNumber"])
        )
    ec2.describe_subnets()
    ec2.describe_security_groups()
    ec2.describe_instance_types(InstanceTypes=["m5.large"])
    running = [i["InstanceId"] for i in instances if i["State"]["Name"] == "running"]
    if running:
        ec2.stop_instances(InstanceIds=running[:1])
        ec2.start_instances(InstanceIds=running[:1])

    for op, n in sorted(checked.items()):
        print(f"checked {op} ({n} answer{'s' if n > 1 else ''})")
    if problems:
        print(f"{len(problems)} problem(s) against the service models:")
        for p in problems:
            print(f"  {p}")
        return 1
    print("every answer conforms to the service models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
