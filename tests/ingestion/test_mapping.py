"""Bring-your-own-extract mappings: validation errors, every mapping feature on small
fixtures, the written landing files (read back by the real loader), lineage and accounting.
"""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.load import load_landing
from ingestion.mapping import (
    MappingError,
    load_mapping,
    map_export,
    planned_files,
    read_lineage,
    write_landing,
)
from ingestion.mapping.write import quarantine_origins

ROOT = Path(__file__).resolve().parents[2]
SALESFORCE = ROOT / "mappings" / "salesforce.yml"
DEMO_EXPORT = ROOT / "tests" / "fixtures" / "salesforce_demo_export"


def write_mapping(tmp_path: Path, body: str, name: str = "test.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def write_file(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip().encode(encoding))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    return [p.render() for p in info.value.problems]


def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    return folder


def frame(result, extract: str) -> pd.DataFrame:
    return result.extracts[extract].frame


# --------------------------------------------------------------------------- validation


def test_unknown_key_names_file_line_path_and_the_allowed_keys(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracs:
          crm.leads: {}
        """,
    )
    missing, unknown = problems_of(path)
    assert missing.startswith(f"{path}, line 1: the key 'extracts' is missing")
    assert unknown.startswith(f"{path}, line 2, at extracs: unknown key 'extracs'")
    assert "(did you mean 'extracts'?)" in unknown
    assert (
        "allowed here: description, drop_date, extracts, name, source, value_maps, version"
        in unknown
    )


def test_every_mistake_is_reported_with_its_line(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        drop_date: yesterday
        source:
          decimal: ";"
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              CreatedDate: CreatedDate
              SystemModstamp: {column: [SystemModstamp, LastModifiedDate], fallback: {field: CreatedDate}}
        """,
    )
    problems = problems_of(path)
    assert len(problems) == 2, problems  # both mistakes of the file's form, not only the first
    assert any("line 2, at drop_date: 'yesterday' is not allowed" in p for p in problems)
    assert any("latest_modified, today, or a date YYYY-MM-DD" in p for p in problems)
    assert any(
        "line 4, at source.decimal: ';' is not allowed" in p and "'.', ','" in p for p in problems
    )


def test_meaning_errors_unknown_extract_field_map_and_missing_required(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          stages: {values: {Won: Closed Won}}
        extracts:
          crm.lead:
            files: Lead.csv
            columns: {Id: Id}
          crm.opportunities:
            files: Opportunity.csv
            columns:
              Id: Id
              Stauts: Status
              StageName: {column: StageName, map: stage}
              CreatedDate: {column: CreatedDate, value: 2024-01-01}
        """,
    )
    problems = problems_of(path)
    text = "\n".join(problems)
    assert (
        "line 5, at extracts.crm.lead: unknown extract 'crm.lead' (did you mean 'crm.leads'?)"
        in text
    )
    assert (
        "line 12, at extracts.crm.opportunities.columns.Stauts: crm.opportunities has no field "
        "'Stauts'" in text
    )
    assert (
        "at extracts.crm.opportunities.columns.StageName.map: unknown value map 'stage' (did you mean 'stages'?)"
        in text
    )
    assert (
        "at extracts.crm.opportunities.columns.CreatedDate: 2 value sources (column, value)" in text
    )
    assert "required field SystemModstamp of crm.opportunities is not mapped" in text


def test_a_value_map_output_and_a_conditional_field_must_exist(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          status: {values: {New: {by: Lead_Origin__c, cases: {Sales: SGL}, else: MQL}}}
          stages: {values: {Won: {value: Closed Won, is_won: true}}}
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              CreatedDate: CreatedDate
              SystemModstamp: {column: [SystemModstamp, LastModifiedDate], fallback: {field: CreatedDate}}
              Status: {column: Status, map: status}
              IsConverted: {column: Converted, map: stages, map_output: is_lost}
        """,
    )
    text = "\n".join(problems_of(path))
    assert "value map 'status' has entries that depend on field 'Lead_Origin__c'" in text
    assert "value map 'stages' has no output 'is_lost'" in text


def test_lookup_circles_and_bad_formats_are_refused(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              CreatedDate: CreatedDate
              SystemModstamp: {column: [SystemModstamp, LastModifiedDate], fallback: {field: CreatedDate}}
              ConvertedOpportunityId:
                lookup: {extract: crm.opportunities, match: Lead_Id__c, to: Id, take: Id}
          crm.opportunities:
            files: Opportunity.csv
            columns:
              Id: Id
              StageName: StageName
              CloseDate: {column: CloseDate, formats: dd.mm.yyyy}
              CreatedDate: CreatedDate
              SystemModstamp: CreatedDate
              Lead_Id__c:
                lookup: {extract: crm.leads, match: ConvertedOpportunityId, to: Id, take: Id}
        """,
    )
    text = "\n".join(problems_of(path))
    assert "'dd.mm.yyyy' is not a date format" in text
    path.write_text(path.read_text().replace("formats: dd.mm.yyyy", "formats: '%d.%m.%Y'"))
    (problem,) = problems_of(path)
    assert "depend on each other in a circle" in problem


def test_invalid_yaml_names_its_line(tmp_path):
    path = write_mapping(tmp_path, "version: 1\nextracts:\n  crm.leads: [\n")
    (problem,) = problems_of(path)
    assert "not valid YAML" in problem


def test_yes_and_no_stay_text_in_value_maps(tmp_path):
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          answer: {values: {Yes: MQL, No: Disqualified}}
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              CreatedDate: CreatedDate
              SystemModstamp: {column: [SystemModstamp, LastModifiedDate], fallback: {field: CreatedDate}}
              Status: {column: Qualified, map: answer}
        """,
    )
    mapping = load_mapping(path)
    assert set(mapping.value_maps["answer"].entries) == {"yes", "no"}


def test_the_salesforce_mapping_is_valid():
    mapping = load_mapping(SALESFORCE)
    assert mapping.name == "salesforce"
    # Dependencies first: leads read campaign members, opportunities read leads.
    order = list(mapping.extracts)
    assert order.index("marketing.campaign_members") < order.index("crm.leads")
    assert order.index("crm.leads") < order.index("crm.opportunities")


# --------------------------------------------------------------------------- features


def test_formats_delimiter_encoding_decimal_dates_and_time_zones(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "deals.csv",
        """
        Deal No;Stage;Betrag;Close Date;Created;Won;Kunde
        D1;Won;1.234,50;31.01.2024;01.01.2024 09:30;ja;Müller GmbH
        D2;Open;17;29.02.2024;2024-02-01T10:00:00+0100;nein;Bäckerei Süß
        D3;Open;1.5;30.02.2024;2024-02-01 10:00;nein;X
        """,
        encoding="cp1252",
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        drop_date: 2024-03-01
        source:
          delimiter: auto
          decimal: ","
          thousands: "."
          date_formats: ["%d.%m.%Y"]
          timestamp_formats: [iso, "%d.%m.%Y %H:%M"]
          timezone: Europe/Berlin
          true_values: [ja]
          false_values: [nein]
        extracts:
          crm.opportunities:
            files: "deals.*"
            columns:
              Id: Deal No
              StageName: Stage
              Amount: Betrag
              CloseDate: CloseDate
              IsWon: Won
              Name: Kunde
              CreatedDate: Created
              SystemModstamp: {field: CreatedDate}
        """,
    )
    result = map_export(load_mapping(path), folder)
    deals = frame(result, "crm.opportunities")
    assert deals["Id"].tolist() == ["D1", "D2"]
    assert deals["Amount"].tolist() == ["1234.50", "17"]  # the digits as written
    # 'Close Date' matches CloseDate ignoring the space; 29.02.2024 is a real day.
    assert deals["CloseDate"].tolist() == ["2024-01-31", "2024-02-29"]
    # Berlin local time (winter: +01:00) and an explicit offset, both to UTC.
    assert deals["CreatedDate"].tolist() == [
        "2024-01-01T08:30:00.000000+00:00",
        "2024-02-01T09:00:00.000000+00:00",
    ]
    assert deals["IsWon"].tolist() == ["true", "false"]
    assert deals["Name"].tolist() == ["Müller GmbH", "Bäckerei Süß"]
    assert "not UTF-8: read as Windows-1252" in result.accounts[0].warnings[0]
    (reject,) = result.rejects
    assert (reject.source_file, reject.source_line) == ("deals.csv", 4)
    # A decimal point where a decimal comma is declared is never read as fifteen.
    assert "Betrag: '1.5' is not a number like 1.234,56" in reject.reason
    assert "Close Date: '30.02.2024' is not a date like %d.%m.%Y" in reject.reason
    (account,) = result.accounts
    assert (account.rows_read, account.rows_written, account.rows_rejected) == (3, 2, 1)
    assert result.drop_date.isoformat() == "2024-03-01"


def test_value_maps_outputs_defaults_conditionals_and_unmapped_values(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "Lead.csv",
        """
        Id,Status,Source,Created
        L1,New,Cold Call,2024-01-02
        L2,new ,Webinar,2024-01-03
        L3,Working,Webinar,2024-01-04
        L4,Parked,Webinar,2024-01-05
        L5,,Webinar,2024-01-06
        """,
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          origin: {values: {Cold Call: Sales}, default: Marketing}
          status:
            values:
              New: {by: Lead_Origin__c, cases: {Sales: SGL}, else: MQL}
              Working: SAL
          source: {values: {Webinar: Webinar}, unmapped: keep}
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              CreatedDate: Created
              SystemModstamp: {field: CreatedDate}
              LeadSource: {column: Source, map: source}
              Lead_Origin__c: {field: LeadSource, map: origin}
              Status: {column: Status, map: status, default: MQL}
              Country: {value: DE}
        """,
    )
    result = map_export(load_mapping(path), folder)
    leads = frame(result, "crm.leads").set_index("Id")
    assert leads["Lead_Origin__c"].to_dict() == {
        "L1": "Sales",
        "L2": "Marketing",
        "L3": "Marketing",
        "L5": "Marketing",
    }
    # Keys match ignoring case and spaces; the entry depends on the mapped origin.
    assert leads["Status"].to_dict() == {"L1": "SGL", "L2": "MQL", "L3": "SAL", "L5": "MQL"}
    assert leads.loc["L1", "LeadSource"] == "Cold Call"  # unmapped: keep
    assert set(leads["Country"]) == {"DE"}
    (reject,) = result.rejects
    assert reject.source_line == 5
    assert reject.reason.startswith(
        "Status: 'Parked' is not in value map 'status' (known: New, Working)"
    )


def test_stage_map_outputs_fill_flags_only_where_the_file_has_none(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "Opportunity.csv",
        """
        Id,StageName,IsWon,Created
        O1,Closed Won,1,2024-01-01
        O2,Closed Won,,2024-01-01
        O3,Signed,,2024-01-01
        """,
    )
    write_file(
        folder,
        "report/Opportunities.csv",
        """
        Id,Stage,Created
        O4,Won,2024-01-01
        O5,Custom Stage,2024-01-01
        """,
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        source: {empty_boolean: false, true_values: ["1"], false_values: ["0"]}
        value_maps:
          stage:
            values:
              Closed Won: {value: Closed Won, is_won: true}
              Won: {value: Closed Won, is_won: true}
            unmapped: keep
        extracts:
          crm.opportunities:
            files: [Opportunity.csv, report/Opportunities.csv]
            columns:
              Id: Id
              StageName: {column: [StageName, Stage], map: stage}
              IsWon:
                column: IsWon
                fallback: {column: [StageName, Stage], map: stage, map_output: is_won}
              CreatedDate: Created
              SystemModstamp: {field: CreatedDate}
        """,
    )
    result = map_export(load_mapping(path), folder)
    deals = frame(result, "crm.opportunities").set_index("Id")
    # An empty Salesforce checkbox is false: the file's flag wins where the file has the column.
    assert deals["IsWon"].to_dict() == {"O1": "true", "O2": "false", "O3": "false", "O4": "true"}
    assert deals.loc["O3", "StageName"] == "Signed"  # kept
    # Without the file's flag, an unknown stage cannot say whether it was won: rejected.
    (reject,) = result.rejects
    assert reject.source_file == "report/Opportunities.csv" and reject.source_line == 3
    assert "'Custom Stage' is not in value map 'stage', which gives its is_won" in reject.reason


def test_templates_fallbacks_skip_rules_and_map_if(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "LeadHistory.csv",
        """
        Id,LeadId,Field,OldValue,NewValue,CreatedDate,IsDeleted
        H1,L1,Status,Open,Working,2024-01-02T10:00:00Z,
        H2,L1,Owner,Anna,Bert,2024-01-03T10:00:00Z,
        H3,L1,Status,Working,Qualified,2024-01-04T10:00:00Z,1
        """,
    )
    write_file(
        folder,
        "User.csv",
        """
        Id,FirstName,LastName,Name,Title
        U1,Anna,Meier,,Field Sales Rep
        U2,Bert,Huber,Bert H.,
        """,
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          status: {values: {Open: MQL, Working: SAL, Qualified: SQL}}
        extracts:
          crm.lead_history:
            files: LeadHistory.csv
            skip_rows: [{column: IsDeleted, values: ["1"], reason: deleted}]
            columns:
              Id: Id
              LeadId: LeadId
              Field: Field
              OldValue: {column: OldValue, map: status, map_if: {Field: Status}}
              NewValue: {column: NewValue, map: status, map_if: {Field: Status}}
              CreatedDate: CreatedDate
          crm.users:
            files: User.csv
            columns:
              Id: Id
              Name: {column: Name, fallback: {template: "{FirstName} {LastName}"}}
              Sales_Role__c: {column: Title, default: Unknown}
              SystemModstamp: {value: 2024-01-01}
        """,
    )
    result = map_export(load_mapping(path), folder)
    history = frame(result, "crm.lead_history").set_index("Id")
    assert history.loc["H1", ["OldValue", "NewValue"]].tolist() == ["MQL", "SAL"]
    assert history.loc["H2", ["OldValue", "NewValue"]].tolist() == ["Anna", "Bert"]  # not a status
    assert [r.reason for r in result.rejects] == ["skipped: deleted"]
    users = frame(result, "crm.users").set_index("Id")
    assert users["Name"].to_dict() == {"U1": "Anna Meier", "U2": "Bert H."}
    assert users["Sales_Role__c"].to_dict() == {"U1": "Field Sales Rep", "U2": "Unknown"}
    assert set(users["SystemModstamp"]) == {"2024-01-01T00:00:00.000000+00:00"}


SPREADSHEET_MAPPING = """
version: 1
name: sheets
drop_date: latest_modified
source: {date_formats: ["%d/%m/%Y", iso]}
value_maps:
  origin: {values: {Cold Call: Sales, Referral: Sales}, default: Marketing}
  entry: {values: {Sales: SGL}, default: MQL}
extracts:
  crm.leads:
    files: leads.csv
    columns:
      Id: Lead ID
      LeadSource: Source
      Lead_Origin__c: {field: LeadSource, map: origin}
      Status: {field: Lead_Origin__c, map: entry}
      CreatedDate: First Contact
      SystemModstamp: {field: CreatedDate}
  crm.lead_history:
    derive:
      from: crm.leads
      key: {field: Id}
      events:
        - {value: {field: Status}, at: {field: CreatedDate}}
        - {value: {value: SAL}, at: {column: Accepted}}
        - {value: {value: SQL}, at: {column: Qualified}}
        - {value: {value: Converted}, at: {lookup: {extract: crm.opportunities, match: Lead_Id__c, to: Id, take: CloseDate}}}
      columns:
        Id: {event: id}
        LeadId: {event: key}
        Field: {value: Status}
        OldValue: {event: previous}
        NewValue: {event: value}
        CreatedDate: {event: at}
  crm.opportunities:
    files: won_deals.csv
    columns:
      Id: {template: "WON-{Lead}-{_line}"}
      Lead_Id__c: Lead
      StageName: {value: Closed Won}
      IsClosed: {value: true}
      IsWon: {value: true}
      Amount: Amount
      CurrencyIsoCode: {value: EUR}
      CloseDate: Won On
      OwnerId: Rep
      CreatedDate:
        lookup: {extract: crm.leads, match: Id, to: Lead_Id__c, take: CreatedDate}
        fallback: {column: Won On}
      SystemModstamp: {column: Won On}
"""


def spreadsheet_export(tmp_path: Path) -> Path:
    folder = export(tmp_path)
    write_file(
        folder,
        "leads.csv",
        """
        Lead ID,Source,First Contact,Accepted,Qualified
        L1,Webinar,05/01/2024,10/01/2024,12/01/2024
        L2,Cold Call,06/01/2024,,
        L3,Webinar,07/01/2024,03/01/2024,
        """,
    )
    write_file(
        folder,
        "won_deals.csv",
        """
        Lead,Won On,Rep,Amount
        L1,01/02/2024,Anna,1000
        ,15/02/2024,Bert,500
        """,
    )
    return folder


def test_a_spreadsheet_source_constants_templates_lookups_and_a_derived_history(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path, SPREADSHEET_MAPPING))
    result = map_export(mapping, spreadsheet_export(tmp_path))
    deals = frame(result, "crm.opportunities")
    assert deals["Id"].tolist() == ["WON-L1-2", "WON--3"]
    # Created: the lead's first contact; a deal without a lead: its won date.
    assert deals["CreatedDate"].str[:10].tolist() == ["2024-01-05", "2024-02-15"]
    assert deals[["IsWon", "IsClosed", "StageName"]].drop_duplicates().values.tolist() == [
        ["true", "true", "Closed Won"]
    ]
    history = frame(result, "crm.lead_history")
    l1 = history[history["LeadId"] == "L1"]
    assert l1["NewValue"].tolist() == ["MQL", "SAL", "SQL", "Converted"]
    assert l1["OldValue"].tolist() == [None, "MQL", "SAL", "SQL"]
    assert l1["Id"].tolist() == ["L1-01", "L1-02", "L1-03", "L1-04"]
    assert l1["CreatedDate"].str[:10].tolist() == [
        "2024-01-05",
        "2024-01-10",
        "2024-01-12",
        "2024-02-01",
    ]
    # Events keep their listed order: an acceptance dated before the creation counts at it.
    l3 = history[history["LeadId"] == "L3"]
    assert l3["NewValue"].tolist() == ["MQL", "SAL"]
    assert l3["CreatedDate"].str[:10].tolist() == ["2024-01-07", "2024-01-07"]
    assert history[history["LeadId"] == "L2"]["NewValue"].tolist() == ["SGL"]
    assert result.derived[0].rows_written == len(history) == 7
    assert "crm.lead_history" in result.extracts and result.extracts["crm.lead_history"].derived
    # Lineage of derived rows: the lead's line.
    assert set(l1["_source_file"]) == {"leads.csv"} and set(l1["_source_line"]) == {2}
    # The drop is dated by the newest modification in the export.
    assert result.drop_date.isoformat() == "2024-02-15"


def test_campaign_members_feed_two_extracts_and_unused_files_are_listed(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "Campaign.csv",
        """
        Id,Name,Type,SystemModstamp
        C1,Spring Webinar,Webinar,2024-01-01T00:00:00Z
        """,
    )
    write_file(
        folder,
        "CampaignMember.csv",
        """
        Id,CampaignId,LeadId,Email,CreatedDate,FirstRespondedDate
        M1,C1,L1,a@example.com,2024-01-02T08:00:00Z,2024-01-05
        M2,C1,L2,b@example.com,2024-01-03T08:00:00Z,
        """,
    )
    write_file(folder, "Case.csv", "Id\nX1\n")
    path = write_mapping(
        tmp_path,
        """
        version: 1
        value_maps:
          channel: {values: {Webinar: webinar}, unmapped: keep}
          touch: {values: {webinar: webinar}, default: campaign_member}
        extracts:
          marketing.campaigns:
            files: Campaign.csv
            columns:
              campaign_id: Id
              name: Name
              channel: {column: Type, map: channel}
              updated_at: SystemModstamp
          marketing.campaign_members:
            files: CampaignMember.csv
            columns:
              member_id: Id
              campaign_id: CampaignId
              lead_id: LeadId
              updated_at: CreatedDate
          marketing.touchpoints:
            files: CampaignMember.csv
            columns:
              touchpoint_id: Id
              touch_type:
                lookup: {extract: marketing.campaigns, match: campaign_id, to: campaign_id, take: channel}
                map: touch
              occurred_at: {column: FirstRespondedDate, fallback: {column: CreatedDate}}
              email: Email
              lead_id: LeadId
              campaign_id: CampaignId
        """,
    )
    result = map_export(load_mapping(path), folder)
    touches = frame(result, "marketing.touchpoints")
    assert touches["touch_type"].tolist() == ["webinar", "webinar"]
    assert touches["occurred_at"].str[:19].tolist() == [
        "2024-01-05T00:00:00",
        "2024-01-03T08:00:00",
    ]
    assert len(frame(result, "marketing.campaign_members")) == 2
    assert result.unused_files == ["Case.csv"]
    assert {(a.source_file, a.extract) for a in result.accounts} == {
        ("Campaign.csv", "marketing.campaigns"),
        ("CampaignMember.csv", "marketing.campaign_members"),
        ("CampaignMember.csv", "marketing.touchpoints"),
    }
    assert result.absent == []


def test_a_required_column_missing_from_the_file_is_a_problem_and_its_rows_are_rejected(tmp_path):
    folder = export(tmp_path)
    write_file(folder, "Lead.csv", "Key,Created\nL1,2024-01-01\n")
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: [Id, LeadId]
              CreatedDate: Created
              SystemModstamp: {field: CreatedDate}
        """,
    )
    result = map_export(load_mapping(path), folder)
    (problem,) = result.problems
    assert (
        "required field Id: none of the columns Id, LeadId is in the header (found: Key, Created)"
        in problem.render()
    )
    (account,) = result.accounts
    assert (account.rows_read, account.rows_written, account.rows_rejected) == (1, 0, 1)


def test_structurally_bad_records_and_footers_are_rejected_with_their_lines(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "Lead.csv",
        'Id,Name,Created\nL1,"multi\nline",2024-01-01\nL2,x,2024-01-02\n\n"Grand Totals (2 records)"\n',
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              LastName: Name
              CreatedDate: Created
              SystemModstamp: {field: CreatedDate}
        """,
    )
    result = map_export(load_mapping(path), folder)
    leads = frame(result, "crm.leads")
    assert leads["_source_line"].tolist() == [2, 4]
    (reject,) = result.rejects
    assert reject.source_line == 6 and "expected 3 fields" in reject.reason
    assert result.accounts[0].reconciles


# --------------------------------------------------------------------------- landing files


def test_written_files_load_with_the_real_loader_and_lineage_points_at_the_export(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "Lead.csv",
        'Id,Notes,Created\nL1,"two\nlines",2024-01-01T10:00:00Z\nL2,ok,\nL3,"a;b ""q""",2024-01-03T10:00:00Z\n',
    )
    write_file(
        folder,
        "costs.csv",
        """
        Doc,Date,Amount,Cur,Text
        K1,2024-01-05,1234.5,CHF,Müller AG
        """,
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracts:
          crm.leads:
            files: Lead.csv
            columns:
              Id: Id
              Company: Notes
              CreatedDate: Created
              SystemModstamp: Created
          finance.campaign_costs:
            files: costs.csv
            columns:
              Belegnummer: Doc
              Belegdatum: Date
              Betrag: Amount
              Waehrung: Cur
              Buchungstext: Text
        """,
    )
    result = map_export(load_mapping(path), folder)
    landing = tmp_path / "landing"
    written = write_landing(result, landing)
    assert written == [
        "crm/2024-01-03/Lead.csv",
        "finance/2024-01-03/campaign_costs.csv",
    ]
    finance = (landing / "finance/2024-01-03/campaign_costs.csv").read_bytes().decode("cp1252")
    # Contract order and format: ';', dd.mm.yyyy, decimal comma, Windows-1252.
    assert finance.splitlines()[1] == "K1;05.01.2024;;;;1234,5;CHF;Müller AG"
    warehouse = tmp_path / "wh.duckdb"
    results = {r.file: r for r in load_landing(warehouse, landing)}
    lead_file = results["crm/2024-01-03/Lead.csv"]
    # L2 has no CreatedDate: the mapping writes it, the loader quarantines it.
    assert (lead_file.rows_read, lead_file.rows_loaded, lead_file.rows_quarantined) == (3, 2, 1)
    assert results["finance/2024-01-03/campaign_costs.csv"].warnings == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute(
            'select "Id", "Company", _line_number from raw.crm__leads order by "Id"'
        ).fetchall()
        cost = con.execute(
            'select "Betrag", "Belegdatum" from raw.finance__campaign_costs'
        ).fetchone()
    assert [(r[0], r[1]) for r in loaded] == [("L1", "two\nlines"), ("L3", 'a;b "q"')]
    assert str(cost[0]) == "1234.50" and cost[1].isoformat() == "2024-01-05"
    lineage = read_lineage(landing, "crm/2024-01-03/Lead.csv").set_index("landing_line")
    for _, _, landing_line in loaded:
        assert lineage.loc[landing_line, "source_file"] == "Lead.csv"
    assert lineage.loc[loaded[1][2], "source_line"] == 5  # L3 follows a two-line record
    (origin,) = quarantine_origins(warehouse, landing)
    assert origin.startswith("crm/2024-01-03/Lead.csv, line 4 <- Lead.csv, line 4:")
    assert "CreatedDate: required value missing" in origin


def test_mapping_again_writes_the_same_bytes_and_a_loaded_file_never_changes(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path, SPREADSHEET_MAPPING))
    source = spreadsheet_export(tmp_path)
    first = planned_files(map_export(mapping, source))
    assert first == planned_files(map_export(mapping, source))
    landing = tmp_path / "landing"
    write_landing(map_export(mapping, source), landing)
    report = json.loads((landing / ".mapping/2024-02-15.report.json").read_text())
    assert {f["source_file"]: f["reconciles"] for f in report["files"]} == {
        "leads.csv": True,
        "won_deals.csv": True,
    }
    (source / "won_deals.csv").write_text("Lead,Won On,Rep,Amount\nL1,15/02/2024,Anna,999\n")
    changed = map_export(mapping, source)
    with pytest.raises(MappingError, match="a loaded file is never loaded again"):
        write_landing(changed, landing, loaded={"crm/2024-02-15/Opportunity.csv"})
    opportunities = landing / "crm/2024-02-15/Opportunity.csv"
    assert "999" not in opportunities.read_text()
    write_landing(changed, landing)  # not loaded yet: replaced
    assert "999" in opportunities.read_text()


def test_a_zipped_export_is_read_in_place(tmp_path):
    source = spreadsheet_export(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in source.iterdir():
            zipped.write(path, f"WE_00D/{path.name}")
    mapping = load_mapping(write_mapping(tmp_path, SPREADSHEET_MAPPING))
    result = map_export(mapping, archive)
    assert len(frame(result, "crm.leads")) == 3
    assert frame(result, "crm.leads")["_source_file"].iat[0] == "export.zip:WE_00D/leads.csv"


# --------------------------------------------------------------------------- Salesforce demo


@pytest.mark.skipif(not DEMO_EXPORT.exists(), reason="the Salesforce demo export is not here")
def test_the_salesforce_mapping_maps_every_row_of_the_demo_export():
    result = map_export(load_mapping(SALESFORCE), DEMO_EXPORT)
    assert result.problems == [] and result.rejects == []
    raw_rows = {
        name: len(pd.read_csv(DEMO_EXPORT / "data" / name, dtype=str, encoding="utf-8-sig"))
        for name in ("Lead.csv", "Opportunity.csv", "Account.csv", "CampaignMember.csv")
    }
    assert len(frame(result, "crm.leads")) == raw_rows["Lead.csv"]
    assert len(frame(result, "crm.opportunities")) == raw_rows["Opportunity.csv"]
    assert len(frame(result, "crm.accounts")) == raw_rows["Account.csv"]
    assert len(frame(result, "marketing.touchpoints")) == raw_rows["CampaignMember.csv"]
    assert all(a.reconciles for a in result.accounts)
    # No LeadHistory in the export: reconstructed from the leads.
    assert result.extracts["crm.lead_history"].derived
    assert {"crm.users", "crm.opportunity_history"} <= set(result.absent)


def test_json_lines_exports_and_unknown_booleans(tmp_path):
    folder = export(tmp_path)
    write_file(
        folder,
        "contacts.jsonl",
        """
        {"id": 7, "email": "a@example.com", "createdAt": "2024-01-01T00:00:00Z", "vip": true}
        {"id": 8, "email": null, "createdAt": "2024-01-02T00:00:00Z", "vip": "maybe"}
        not json
        """,
    )
    path = write_mapping(
        tmp_path,
        """
        version: 1
        extracts:
          crm.contacts:
            files: "*.jsonl"
            columns:
              Id: id
              Email: email
              Title: {column: vip, map: vip}
              SystemModstamp: createdAt
        value_maps:
          vip: {values: {"true": VIP}, unmapped: empty}
        """,
    )
    result = map_export(load_mapping(path), folder)
    contacts = frame(result, "crm.contacts")
    assert contacts["Id"].tolist() == ["7", "8"]
    assert contacts["Email"].tolist() == ["a@example.com", None]
    assert contacts["Title"].tolist() == ["VIP", None]
    (reject,) = result.rejects
    assert reject.source_line == 3 and reject.reason.startswith("invalid JSON")
