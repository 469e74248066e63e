import Box from "@cloudscape-design/components/box";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";

/** A page whose capability is built by a later piece of work; it says so plainly. */
export function LaterPage({ title, what, when }: { title: string; what: string; when: string }) {
  return (
    <ContentLayout header={<Header variant="h1">{title}</Header>}>
      <Container>
        <Box variant="p" data-testid="later-page">
          {what}
        </Box>
        {when && (
          <Box variant="p" color="text-status-inactive">
            Not built yet. {when}
          </Box>
        )}
      </Container>
    </ContentLayout>
  );
}
