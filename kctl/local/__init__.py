"""Files `kctl local` needs to run Apache Kafka: the pom that fetches the jars, and templates."""

from pathlib import Path

LOCAL_FILES = Path(__file__).parent
POM = LOCAL_FILES / "pom.xml"
SERVER_TEMPLATE = LOCAL_FILES / "server.properties.template"
LOG4J_TEMPLATE = LOCAL_FILES / "log4j2.properties"
LOG4J1_TEMPLATE = LOCAL_FILES / "log4j.properties"  # Kafka 3.x logs through log4j 1 (reload4j)
APICURIO_POM = LOCAL_FILES / "apicurio-pom.xml"
OIDC_POM = LOCAL_FILES / "oidc-pom.xml"  # the OIDC issuer of `kctl local up --security oauth`
CONNECT_POM = LOCAL_FILES / "connect-pom.xml"
